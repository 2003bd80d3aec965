/**
 * Amazon DynamoDB Streams event source mapping: the batch of stream
 * records a function receives and the partial batch response it may return
 * when the mapping has `ReportBatchItemFailures` enabled.
 *
 * Item images stay in DynamoDB's typed JSON (`{ "N": "42" }`), the form the
 * stream delivers, so events re-encode exactly; numbers stay strings to keep
 * their full precision.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DynamoDb } from "@effect-lambda/events"
 *
 * // an attribute value is a union: narrow it on its type key
 * const handle = (event: DynamoDb.DynamoDbStreamEvent) =>
 *   Effect.forEach(event.Records, (record) => {
 *     const status = record.dynamodb.NewImage?.status
 *     return status !== undefined && "S" in status
 *       ? Effect.log(`${record.eventName} ${record.dynamodb.SequenceNumber}: ${status.S}`)
 *       : Effect.void
 *   }, { discard: true })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BatchItemFailure, BatchResponse, SafeRecord } from "./internal/common.js"

/**
 * A DynamoDB attribute value: exactly one key naming its type. Binary
 * values (`B`, `BS`) are base64 strings, numbers (`N`, `NS`) are decimal
 * strings.
 *
 * @since 0.1.0
 * @category models
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly SS: ReadonlyArray<string> }
  | { readonly NS: ReadonlyArray<string> }
  | { readonly BS: ReadonlyArray<string> }
  | { readonly M: { readonly [name: string]: AttributeValue } }
  | { readonly L: ReadonlyArray<AttributeValue> }
  | { readonly NULL: true }
  | { readonly BOOL: boolean }

/**
 * @since 0.1.0
 * @category schemas
 */
export const AttributeValue: Schema.Schema<AttributeValue> = Schema.Union(
  Schema.Struct({ S: Schema.String }),
  Schema.Struct({ N: Schema.String }),
  Schema.Struct({ B: Schema.String }),
  Schema.Struct({ SS: Schema.Array(Schema.String) }),
  Schema.Struct({ NS: Schema.Array(Schema.String) }),
  Schema.Struct({ BS: Schema.Array(Schema.String) }),
  Schema.Struct({ M: SafeRecord(Schema.suspend((): Schema.Schema<AttributeValue> => AttributeValue)) }),
  Schema.Struct({ L: Schema.Array(Schema.suspend(() => AttributeValue)) }),
  Schema.Struct({ NULL: Schema.Literal(true) }),
  Schema.Struct({ BOOL: Schema.Boolean })
).annotations({ identifier: "AttributeValue" })

/**
 * An item (or its key) as a map of attribute values.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AttributeMap = SafeRecord(AttributeValue)

/**
 * @since 0.1.0
 * @category models
 */
export type AttributeMap = typeof AttributeMap.Type

/**
 * The `dynamodb` part of a record. Which images are present depends on the
 * stream's `StreamViewType` and the event: no `OldImage` on `INSERT`, no
 * `NewImage` on `REMOVE`, neither with `KEYS_ONLY`.
 *
 * @since 0.1.0
 * @category models
 */
export const StreamRecord = Schema.Struct({
  // seconds since the epoch
  ApproximateCreationDateTime: Schema.optional(Schema.Number),
  Keys: AttributeMap,
  NewImage: Schema.optional(AttributeMap),
  OldImage: Schema.optional(AttributeMap),
  SequenceNumber: Schema.String,
  SizeBytes: Schema.Number,
  StreamViewType: Schema.Literal("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
}).annotations({ identifier: "StreamRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type StreamRecord = typeof StreamRecord.Type

/**
 * One change. `userIdentity` is only present when DynamoDB itself made the
 * change (`{ type: "Service", principalId: "dynamodb.amazonaws.com" }` for
 * a TTL expiry).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DynamoDbRecord = Schema.Struct({
  eventID: Schema.String,
  eventName: Schema.Literal("INSERT", "MODIFY", "REMOVE"),
  eventVersion: Schema.String,
  eventSource: Schema.Literal("aws:dynamodb"),
  awsRegion: Schema.String,
  dynamodb: StreamRecord,
  eventSourceARN: Schema.String,
  userIdentity: Schema.optional(Schema.Struct({ type: Schema.String, principalId: Schema.String }))
}).annotations({ identifier: "DynamoDbRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type DynamoDbRecord = typeof DynamoDbRecord.Type

/**
 * The event of a DynamoDB Streams event source mapping.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DynamoDbStreamEvent = Schema.Struct({
  Records: Schema.Array(DynamoDbRecord)
}).annotations({ identifier: "DynamoDbStreamEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type DynamoDbStreamEvent = typeof DynamoDbStreamEvent.Type

/**
 * One failed record of a partial batch response: `itemIdentifier` is its
 * `dynamodb.SequenceNumber`. Lambda retries from the lowest failed
 * sequence number, so the records after it are sent again too.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StreamsBatchItemFailure = BatchItemFailure.annotations({ identifier: "StreamsBatchItemFailure" })

/**
 * @since 0.1.0
 * @category models
 */
export type StreamsBatchItemFailure = typeof StreamsBatchItemFailure.Type

/**
 * The partial batch response of a DynamoDB Streams function.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StreamsEventResponse = BatchResponse.annotations({ identifier: "StreamsEventResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type StreamsEventResponse = typeof StreamsEventResponse.Type
