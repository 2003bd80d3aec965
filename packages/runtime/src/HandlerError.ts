/**
 * Errors the runtime raises around a handler (as opposed to the errors the handler itself
 * fails with). `ErrorReport` maps each to its `Runtime.*` / `Function.*` error type.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The event did not decode with the handler's event Schema (or was not JSON).
 * Reported as `Runtime.InvalidEvent`, body `errorType` `ParseError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEvent extends Schema.TaggedError<InvalidEvent>()("InvalidEvent", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * The handler's result did not encode with its response Schema or could not be serialised
 * (BigInt, cycles, ...). Reported as `Runtime.InvalidResponse`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>()("InvalidResponse", {
  message: Schema.String,
  /** `ParseError` when the Schema refused the value, `TypeError` when serialisation threw. */
  reason: Schema.Literal("ParseError", "TypeError"),
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * The invocation reached its deadline and the runtime interrupted the handler.
 * Reported as `Runtime.Timeout`, body `errorType` `TimeoutError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  message: Schema.String
}) {}

/**
 * The Runtime API refused the response as too large (413).
 * Reported as `Function.ResponseSizeTooLarge`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseSizeTooLarge extends Schema.TaggedError<ResponseSizeTooLarge>()("ResponseSizeTooLarge", {
  message: Schema.String
}) {}

/**
 * `_HANDLER` names no handler of the function. Reported at init as `Runtime.NoSuchHandler`.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoSuchHandler extends Schema.TaggedError<NoSuchHandler>()("NoSuchHandler", {
  handler: Schema.String,
  available: Schema.Array(Schema.String),
  message: Schema.String
}) {}
