/**
 * Typed errors of the Lambda Runtime API client: one class per answer the API can give
 * (and one for the transport), so callers decide per case with `Effect.catchTag`.
 *
 * Each carries `TypeId`: the runtime tells its own Runtime API failures from a user's error that
 * happens to have the same `_tag` (a user's `ContainerError`) with `isRuntimeApiError`, never by
 * the tag's text.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as apiError from "./internal/apiError.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/RuntimeApiError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

const TaggedError = apiError.TaggedError(TypeId)

/**
 * 500 from the Runtime API: the execution environment is broken. Non-recoverable: the
 * runtime exits promptly with a non-zero code.
 *
 * @since 0.1.0
 * @category errors
 */
export class ContainerError extends TaggedError<ContainerError>()("ContainerError", apiError.answerFields) {}

/**
 * 403: the call is not allowed in the current state (for example a second answer to the same
 * invocation). The invocation is over; the loop goes on.
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends TaggedError<Forbidden>()("Forbidden", apiError.answerFields) {}

/**
 * 400: the API rejected the request (unknown or stale request id, bad response mode, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends TaggedError<BadRequest>()("BadRequest", apiError.answerFields) {}

/**
 * 413: the response body is over Lambda's limit for buffered responses (6 MB).
 *
 * @since 0.1.0
 * @category errors
 */
export class PayloadTooLarge extends TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  ...apiError.answerFields,
  /** Size in bytes of the body that was refused. */
  size: Schema.Number
}) {}

/**
 * Any status the Runtime API does not document for the call.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends TaggedError<UnexpectedStatus>()("UnexpectedStatus", {
  ...apiError.answerFields,
  status: Schema.Number
}) {}

/**
 * The HTTP exchange itself failed (connection refused or reset, malformed answer). A reused
 * keep-alive socket that fails before any byte of the answer has already been retried once
 * for `next`; a report (POST) is never sent twice.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends TaggedError<TransportError>()("TransportError", apiError.transportFields) {}

/**
 * The answer of `next` could not be read as an invocation (no request id, a deadline that is
 * not a number, client context that is not JSON, ...). `requestId` is kept when the answer had
 * one, so the runtime can still report an error for that invocation instead of losing it.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInvocation extends Schema.TaggedError<InvalidInvocation>()("InvalidInvocation", {
  message: Schema.String,
  requestId: Schema.optional(Schema.String)
}) {}

/**
 * Every error a Runtime API call can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type RuntimeApiError =
  | ContainerError
  | Forbidden
  | BadRequest
  | PayloadTooLarge
  | UnexpectedStatus
  | TransportError

/**
 * Whether `u` is one of this module's errors: a failure of the Runtime API itself, not an error
 * of the function's code, whatever its `_tag`.
 *
 * @since 0.1.0
 * @category refinements
 * @example
 * ```ts
 * import { RuntimeApiError } from "@effect-lambda/runtime"
 *
 * RuntimeApiError.isRuntimeApiError(new RuntimeApiError.ContainerError({ operation: "next", message: "500" })) // true
 * RuntimeApiError.isRuntimeApiError({ _tag: "ContainerError", message: "the user's own" }) // false
 * ```
 */
export const isRuntimeApiError = (u: unknown): u is RuntimeApiError => Predicate.hasProperty(u, TypeId)
