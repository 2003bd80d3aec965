/**
 * CloudWatch Logs subscription filters. Lambda receives `{ awslogs: { data } }` where `data` is
 * the gzip-compressed, base64-encoded JSON of the batch; `CloudWatchLogsEvent` decodes it into
 * its log events and encodes it back the same way.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CloudWatchLogs } from "@effect-lambda/events"
 *
 * const handle = (event: CloudWatchLogs.CloudWatchLogsEvent) =>
 *   Effect.forEach(event.awslogs.data.logEvents, (log) => Effect.log(log.message))
 * ```
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { gunzipSync, gzipSync } from "node:zlib"
import { StringMap } from "./internal/common.js"

/**
 * One log event. `extractedFields` is set when the filter pattern names fields.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LogEvent = Schema.Struct({
  id: Schema.String,
  timestamp: Schema.Number,
  message: Schema.String,
  extractedFields: Schema.optional(StringMap)
}).annotations({ identifier: "CloudWatchLogsLogEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type LogEvent = typeof LogEvent.Type

/**
 * The decoded batch. `CONTROL_MESSAGE` batches are sent by CloudWatch Logs to check that the
 * destination is reachable and carry no real log events.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LogsData = Schema.Struct({
  messageType: Schema.Literal("DATA_MESSAGE", "CONTROL_MESSAGE"),
  owner: Schema.String,
  logGroup: Schema.String,
  logStream: Schema.String,
  subscriptionFilters: Schema.Array(Schema.String),
  logEvents: Schema.Array(LogEvent),
  // account-level subscription filters add these
  policyLevel: Schema.optional(Schema.String),
  accountId: Schema.optional(Schema.String)
}).annotations({ identifier: "CloudWatchLogsData" })

/**
 * @since 0.1.0
 * @category models
 */
export type LogsData = typeof LogsData.Type

/**
 * base64 of gzip of UTF-8 text, to text and back. Malformed base64 or gzip is a `ParseError`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GzipBase64 = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (data, _, ast) =>
    ParseResult.try({
      try: () => gunzipSync(Buffer.from(data, "base64")).toString("utf8"),
      catch: (error) => new ParseResult.Type(ast, data, `not gzip-compressed base64: ${String(error)}`)
    }),
  encode: (text) => ParseResult.succeed(gzipSync(Buffer.from(text, "utf8")).toString("base64"))
}).annotations({ identifier: "GzipBase64" })

/**
 * The event as Lambda sends it, `data` still compressed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudWatchLogsEncodedEvent = Schema.Struct({
  awslogs: Schema.Struct({ data: Schema.String })
}).annotations({ identifier: "CloudWatchLogsEncodedEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudWatchLogsEncodedEvent = typeof CloudWatchLogsEncodedEvent.Type

/**
 * The event with `data` decompressed and decoded; encoding compresses it again.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudWatchLogsEvent = Schema.Struct({
  awslogs: Schema.Struct({ data: Schema.compose(GzipBase64, Schema.parseJson(LogsData)) })
}).annotations({ identifier: "CloudWatchLogsEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudWatchLogsEvent = typeof CloudWatchLogsEvent.Type
