/**
 * Kinesis and DynamoDB Streams consumers that report partial batch failures with AWS's
 * checkpoint semantics: records are handled in order (a batch comes from one shard), the first
 * failure stops the batch, and its sequence number is returned in `batchItemFailures`, so Lambda
 * checkpoints just before it and retries from it (the event source mapping needs
 * `ReportBatchItemFailures` enabled). Records after the failed one are not handled now: they
 * come again in the retried batch, in order.
 *
 * @since 0.1.0
 */
import { DynamoDb, Kinesis } from "@effect-lambda/events"
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as batch from "./internal/batch.js"

/**
 * A Kinesis record whose `data` went through the `data` Schema (from the UTF-8 text of the
 * base64-decoded payload).
 *
 * @since 0.1.0
 * @category models
 */
export type KinesisRecordWithData<A> = Kinesis.KinesisStreamRecord & { readonly data: A }

const respond = <Rec>(records: ReadonlyArray<Rec>, sequenceNumber: (record: Rec) => string) => (first: number) => ({
  batchItemFailures: first < 0 ? [] : [{ itemIdentifier: sequenceNumber(records[first]!) }]
})

const kinesisSequence = (record: Kinesis.KinesisStreamRecord) => record.kinesis.sequenceNumber

/**
 * The payload of a Kinesis record, base64-decoded.
 *
 * @since 0.1.0
 * @category accessors
 */
export const kinesisData = (record: Kinesis.KinesisStreamRecord): Uint8Array =>
  Buffer.from(record.kinesis.data, "base64")

/**
 * Handles the records of a Kinesis batch in order, stopping at the first failure (a failure or
 * defect of the handler, or with `data` a payload that does not decode), which is logged at
 * warning level and reported by its sequence number.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { StreamBatch } from "@effect-lambda/middleware"
 * import { Effect, Schema } from "effect"
 *
 * const Reading = Schema.parseJson(Schema.Struct({ sensor: Schema.String, value: Schema.Number }))
 *
 * export const handler = StreamBatch.kinesis(
 *   (record) => Effect.log(`${record.data.sensor} = ${record.data.value}`),
 *   { data: Reading }
 * )
 * ```
 */
export const kinesis: {
  <A, E, R>(
    handle: (record: KinesisRecordWithData<A>) => Effect.Effect<unknown, E, R>,
    options: { readonly data: Schema.Schema<A, string, never> }
  ): Handler.Handler<Kinesis.KinesisStreamEvent, Kinesis.KinesisStreamBatchResponse, never, R>
  <E, R>(
    handle: (record: Kinesis.KinesisStreamRecord) => Effect.Effect<unknown, E, R>
  ): Handler.Handler<Kinesis.KinesisStreamEvent, Kinesis.KinesisStreamBatchResponse, never, R>
} = (
  handle: (record: any) => Effect.Effect<unknown, unknown, unknown>,
  options: { readonly data?: Schema.Schema<any, string, never> } = {}
): Handler.Handler<Kinesis.KinesisStreamEvent, Kinesis.KinesisStreamBatchResponse, never, any> => {
  const decodeData = options.data === undefined ? undefined : Schema.decode(options.data)
  const run = decodeData === undefined
    ? handle
    : (record: Kinesis.KinesisStreamRecord) =>
      Effect.flatMap(
        Effect.suspend(() => decodeData(Buffer.from(record.kinesis.data, "base64").toString("utf8"))),
        (data) => handle({ ...record, data })
      )
  return Handler.make({
    event: Kinesis.KinesisStreamEvent,
    handle: (event) =>
      Effect.map(
        batch.untilFirstFailure(event.Records, run, kinesisSequence, "Kinesis record"),
        respond(event.Records, kinesisSequence)
      )
  })
}

const dynamoSequence = (record: DynamoDb.DynamoDbRecord) => record.dynamodb.SequenceNumber

/**
 * Handles the records of a DynamoDB Streams batch in order, stopping at the first failure,
 * which is logged at warning level and reported by its sequence number.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { StreamBatch } from "@effect-lambda/middleware"
 * import { Effect } from "effect"
 *
 * export const handler = StreamBatch.dynamoDb((record) =>
 *   Effect.log(`${record.eventName} ${JSON.stringify(record.dynamodb.Keys)}`)
 * )
 * ```
 */
export const dynamoDb = <E, R>(
  handle: (record: DynamoDb.DynamoDbRecord) => Effect.Effect<unknown, E, R>
): Handler.Handler<DynamoDb.DynamoDbStreamEvent, DynamoDb.StreamsEventResponse, never, R> =>
  Handler.make({
    event: DynamoDb.DynamoDbStreamEvent,
    handle: (event) =>
      Effect.map(
        batch.untilFirstFailure(event.Records, handle, dynamoSequence, "DynamoDB record"),
        respond(event.Records, dynamoSequence)
      )
  })
