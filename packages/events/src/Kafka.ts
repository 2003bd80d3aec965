/**
 * Apache Kafka event source mappings: Amazon MSK (`eventSource: "aws:kafka"`) and self-managed
 * clusters (`"SelfManagedKafka"`). Records arrive grouped by `topic-partition`; keys and values
 * are base64, header values are lists of byte values.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Kafka } from "@effect-lambda/events"
 *
 * const handle = (event: Kafka.KafkaEvent) =>
 *   Effect.forEach(Kafka.allRecords(event), (record) =>
 *     Effect.log(record.topic, Kafka.valueText(record)))
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable } from "./internal/common.js"

/**
 * One record. `key` is absent for records produced without a key; `value` is `null` for a
 * tombstone. Each header is a one-key object whose value is the header's bytes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KafkaRecord = Schema.Struct({
  topic: Schema.String,
  partition: Schema.Number,
  offset: Schema.Number,
  timestamp: Schema.Number,
  timestampType: Schema.Literal("CREATE_TIME", "LOG_APPEND_TIME", "NO_TIMESTAMP_TYPE"),
  key: optionalNullable(Schema.String),
  value: Schema.NullOr(Schema.String),
  headers: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Number) })),
  // set when the mapping uses a schema registry
  keySchemaMetadata: Schema.optional(Schema.Unknown),
  valueSchemaMetadata: Schema.optional(Schema.Unknown)
}).annotations({ identifier: "KafkaRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type KafkaRecord = typeof KafkaRecord.Type

const records = Schema.Record({ key: Schema.String, value: Schema.Array(KafkaRecord) })

/**
 * An Amazon MSK batch. `bootstrapServers` is the brokers' comma-separated list.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MskEvent = Schema.Struct({
  eventSource: Schema.Literal("aws:kafka"),
  eventSourceArn: Schema.String,
  bootstrapServers: Schema.String,
  records
}).annotations({ identifier: "MskEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type MskEvent = typeof MskEvent.Type

/**
 * A self-managed Apache Kafka batch (no cluster ARN).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SelfManagedKafkaEvent = Schema.Struct({
  eventSource: Schema.Literal("SelfManagedKafka"),
  bootstrapServers: Schema.String,
  records
}).annotations({ identifier: "SelfManagedKafkaEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type SelfManagedKafkaEvent = typeof SelfManagedKafkaEvent.Type

/**
 * Either kind of Kafka batch.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KafkaEvent = Schema.Union(MskEvent, SelfManagedKafkaEvent).annotations({ identifier: "KafkaEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type KafkaEvent = typeof KafkaEvent.Type

/**
 * Every record of the batch, partition after partition, in offset order within each.
 *
 * @since 0.1.0
 * @category accessors
 */
export const allRecords = (event: KafkaEvent): ReadonlyArray<KafkaRecord> => Object.values(event.records).flat()

/**
 * The record's value decoded from base64 as UTF-8 text (`null` for a tombstone).
 *
 * @since 0.1.0
 * @category accessors
 */
export const valueText = (record: KafkaRecord): string | null =>
  record.value === null ? null : Buffer.from(record.value, "base64").toString("utf8")

/**
 * The record's headers as text, by name (a repeated header keeps its last value).
 *
 * @since 0.1.0
 * @category accessors
 */
export const headersText = (record: KafkaRecord): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const header of record.headers) {
    for (const [name, bytes] of Object.entries(header)) out[name] = Buffer.from(bytes).toString("utf8")
  }
  return out
}
