/**
 * Amazon Data Firehose data transformation: the records Firehose hands the function, and the
 * records it expects back, one per `recordId`, each `Ok`, `Dropped` or `ProcessingFailed`.
 * Data is base64 both ways.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Firehose } from "@effect-lambda/events"
 *
 * const handle = (event: Firehose.FirehoseTransformationEvent) =>
 *   Effect.succeed<Firehose.FirehoseTransformationResult>({
 *     records: event.records.map((record) => Firehose.ok(record, Firehose.dataText(record).toUpperCase()))
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { StringMap } from "./internal/common.js"

/**
 * One record to transform. `kinesisRecordMetadata` is set when the stream reads from Kinesis.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirehoseRecord = Schema.Struct({
  recordId: Schema.String,
  approximateArrivalTimestamp: Schema.Number,
  data: Schema.String,
  kinesisRecordMetadata: Schema.optional(Schema.Struct({
    shardId: Schema.String,
    partitionKey: Schema.String,
    approximateArrivalTimestamp: Schema.Number,
    sequenceNumber: Schema.String,
    subsequenceNumber: Schema.Number
  }))
}).annotations({ identifier: "FirehoseRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type FirehoseRecord = typeof FirehoseRecord.Type

/**
 * The transformation event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirehoseTransformationEvent = Schema.Struct({
  invocationId: Schema.String,
  deliveryStreamArn: Schema.String,
  sourceKinesisStreamArn: Schema.optional(Schema.String),
  region: Schema.String,
  records: Schema.Array(FirehoseRecord)
}).annotations({ identifier: "FirehoseTransformationEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type FirehoseTransformationEvent = typeof FirehoseTransformationEvent.Type

/**
 * One transformed record. `metadata.partitionKeys` feeds dynamic partitioning.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirehoseResultRecord = Schema.Struct({
  recordId: Schema.String,
  result: Schema.Literal("Ok", "Dropped", "ProcessingFailed"),
  data: Schema.String,
  metadata: Schema.optional(Schema.Struct({ partitionKeys: StringMap }))
}).annotations({ identifier: "FirehoseResultRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type FirehoseResultRecord = typeof FirehoseResultRecord.Type

/**
 * What the function returns: every `recordId` it received, once.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FirehoseTransformationResult = Schema.Struct({
  records: Schema.Array(FirehoseResultRecord)
}).annotations({ identifier: "FirehoseTransformationResult" })

/**
 * @since 0.1.0
 * @category models
 */
export type FirehoseTransformationResult = typeof FirehoseTransformationResult.Type

/**
 * The record's data decoded from base64 as UTF-8 text.
 *
 * @since 0.1.0
 * @category accessors
 */
export const dataText = (record: FirehoseRecord): string => Buffer.from(record.data, "base64").toString("utf8")

/**
 * A transformed record with the given text (encoded to base64 here).
 *
 * @since 0.1.0
 * @category constructors
 */
export const ok = (
  record: FirehoseRecord,
  text: string,
  partitionKeys?: Readonly<Record<string, string>>
): FirehoseResultRecord => ({
  recordId: record.recordId,
  result: "Ok",
  data: Buffer.from(text, "utf8").toString("base64"),
  ...(partitionKeys === undefined ? {} : { metadata: { partitionKeys } })
})

/**
 * The record dropped (deliberately filtered out) or failed (sent to the error output).
 *
 * @since 0.1.0
 * @category constructors
 */
export const reject = (record: FirehoseRecord, result: "Dropped" | "ProcessingFailed"): FirehoseResultRecord => ({
  recordId: record.recordId,
  result,
  data: record.data
})
