/**
 * Errors the runtime raises around a handler (as opposed to the errors the handler itself
 * fails with). `ErrorReport` maps each to its `Runtime.*` / `Function.*` error type.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/HandlerError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

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
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

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
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The invocation reached its deadline and the runtime interrupted the handler.
 * Reported as `Runtime.Timeout`, body `errorType` `TimeoutError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The Runtime API refused the response as too large (413).
 * Reported as `Function.ResponseSizeTooLarge`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseSizeTooLarge extends Schema.TaggedError<ResponseSizeTooLarge>()("ResponseSizeTooLarge", {
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

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
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * Every error the runtime raises around a handler.
 *
 * @since 0.1.0
 * @category models
 */
export type HandlerError = InvalidEvent | InvalidResponse | TimeoutError | ResponseSizeTooLarge | NoSuchHandler

/**
 * Whether `u` was raised by the runtime around a handler (not by the handler's own code, even
 * when its `_tag` is the same).
 *
 * @since 0.1.0
 * @category refinements
 * @example
 * ```ts
 * import { HandlerError } from "@effect-lambda/runtime"
 *
 * HandlerError.isHandlerError(new HandlerError.TimeoutError({ message: "late" })) // true
 * HandlerError.isHandlerError({ _tag: "TimeoutError", message: "the user's own" }) // false
 * ```
 */
export const isHandlerError = (u: unknown): u is HandlerError => Predicate.hasProperty(u, TypeId)
