/**
 * SQS consumers that report partial batch failures: each message is handled on its own, and the
 * handler returns `{ batchItemFailures }` naming the messages that failed, so only those go back
 * to the queue (the event source mapping needs `ReportBatchItemFailures` enabled) instead of the
 * whole batch.
 *
 * @since 0.1.0
 */
import { Sqs } from "@effect-lambda/events"
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as batch from "./internal/batch.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How many messages of a standard queue are handled at once. Default 10 (the default batch
   * size of an SQS event source mapping). Above 1 each message runs in a fiber of its own, which
   * pays off when handling a message waits on I/O; `1` handles them in order, cheapest for
   * CPU-only work (and still handles every message, unlike `fifo`).
   */
  readonly concurrency?: number | "unbounded"
  /**
   * Handle the batch as a FIFO queue's: one message at a time, in order, stopping at the first
   * failure, which is reported with every later message (AWS requires this so that the group
   * order is kept on retry). Default `"auto"`: FIFO when the queue ARN ends in `.fifo`.
   */
  readonly fifo?: boolean | "auto"
}

/**
 * A message whose body went through the `body` Schema.
 *
 * @since 0.1.0
 * @category models
 */
export type RecordWithBody<A> = Omit<Sqs.SqsRecord, "body"> & { readonly body: A }

const isFifo = (event: Sqs.SqsEvent, fifo: boolean | "auto"): boolean =>
  fifo === "auto" ? event.Records.length > 0 && event.Records[0]!.eventSourceARN.endsWith(".fifo") : fifo

const messageId = (record: Sqs.SqsRecord) => record.messageId

/**
 * Handles the messages of an SQS batch one by one and answers with the failed ones.
 *
 * A message fails when its handler fails or dies (or, with `body`, when its body does not
 * decode); the failure is logged at warning level with its cause and the message id. The
 * invocation itself succeeds unless the runtime interrupts it at the deadline, in which case the
 * whole batch is retried, as AWS does for any invocation error.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { SqsBatch } from "@effect-lambda/middleware"
 * import { Effect, Schema } from "effect"
 *
 * class Order extends Schema.Class<Order>("Order")({ id: Schema.String, total: Schema.Number }) {}
 *
 * export const handler = SqsBatch.partialFailures(
 *   (record) => Effect.log(`order ${record.body.id}: ${record.body.total}`),
 *   { body: Schema.parseJson(Order), concurrency: 5 }
 * )
 * ```
 */
export const partialFailures: {
  <A, E, R>(
    handle: (record: RecordWithBody<A>) => Effect.Effect<unknown, E, R>,
    options: Options & { readonly body: Schema.Schema<A, string, never> }
  ): Handler.Handler<Sqs.SqsEvent, Sqs.SqsBatchResponse, never, R>
  <E, R>(
    handle: (record: Sqs.SqsRecord) => Effect.Effect<unknown, E, R>,
    options?: Options
  ): Handler.Handler<Sqs.SqsEvent, Sqs.SqsBatchResponse, never, R>
} = (
  handle: (record: any) => Effect.Effect<unknown, unknown, unknown>,
  options: Options & { readonly body?: Schema.Schema<any, string, never> } = {}
): Handler.Handler<Sqs.SqsEvent, Sqs.SqsBatchResponse, never, any> => {
  const concurrency = options.concurrency ?? 10
  const fifo = options.fifo ?? "auto"
  const decodeBody = options.body === undefined ? undefined : Schema.decode(options.body)
  const run = decodeBody === undefined
    ? handle
    : (record: Sqs.SqsRecord) => Effect.flatMap(decodeBody(record.body), (body) => handle({ ...record, body }))
  return Handler.make({
    event: Sqs.SqsEvent,
    handle: (event): Effect.Effect<Sqs.SqsBatchResponse, never, any> => {
      const records = event.Records
      if (isFifo(event, fifo)) {
        return Effect.map(batch.untilFirstFailure(records, run, messageId, "message"), (first) => ({
          batchItemFailures: first < 0
            ? []
            : records.slice(first).map((record) => ({ itemIdentifier: record.messageId }))
        }))
      }
      return Effect.map(batch.allSettled(records, run, messageId, "message", concurrency), (failed) => ({
        batchItemFailures: failed.map((index) => ({ itemIdentifier: records[index]!.messageId }))
      }))
    }
  })
}
