/**
 * Typed errors of the Lambda Extensions API client (2020-01-01, and the Telemetry API
 * 2022-07-01): one class per answer the API can give, one for the transport and one for an event
 * that cannot be read. Every one carries `TypeId`, so `isExtensionsApiError` tells them apart
 * from any other error (a user's `BadRequest` included) without looking at `_tag` text.
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
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/ExtensionsApiError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

const TaggedError = apiError.TaggedError(TypeId)

/**
 * 500: the execution environment is in a state it cannot recover from. AWS's documentation says
 * the extension should exit promptly.
 *
 * @since 0.1.0
 * @category errors
 */
export class ContainerError extends TaggedError<ContainerError>()("ContainerError", apiError.answerFields) {}

/**
 * 403: the call is not allowed now (registering after init, an unknown identifier, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends TaggedError<Forbidden>()("Forbidden", apiError.answerFields) {}

/**
 * 400: the API rejected the request (bad event names, missing name header, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends TaggedError<BadRequest>()("BadRequest", apiError.answerFields) {}

/**
 * Any status the API does not document for the call (a 404 means there is no Extensions API).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends TaggedError<UnexpectedStatus>()("UnexpectedStatus", {
  ...apiError.answerFields,
  status: Schema.Number
}) {}

/**
 * The HTTP exchange itself failed (connection refused or reset, malformed answer).
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends TaggedError<TransportError>()("TransportError", apiError.transportFields) {}

/**
 * An answer of `register` or `event/next` that cannot be read (no identifier, an event that is
 * neither INVOKE nor SHUTDOWN, a body that is not JSON).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidAnswer extends TaggedError<InvalidAnswer>()("InvalidAnswer", {
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * Every error an Extensions API call can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type ExtensionsApiError =
  | ContainerError
  | Forbidden
  | BadRequest
  | UnexpectedStatus
  | TransportError
  | InvalidAnswer

/**
 * @since 0.1.0
 * @category refinements
 */
export const isExtensionsApiError = (u: unknown): u is ExtensionsApiError => Predicate.hasProperty(u, TypeId)

/**
 * The error after which the extension should stop (a 500 container error).
 *
 * @since 0.1.0
 * @category refinements
 */
export const isContainerError = (u: unknown): u is ContainerError =>
  isExtensionsApiError(u) && u instanceof ContainerError

/**
 * The API is not there at all: the endpoint answered 404 (an emulator or environment without the
 * Extensions API) or nothing listens.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isUnavailable = (u: unknown): u is UnexpectedStatus | TransportError =>
  isExtensionsApiError(u) && ((u instanceof UnexpectedStatus && u.status === 404) || u instanceof TransportError)
