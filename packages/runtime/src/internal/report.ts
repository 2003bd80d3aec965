/**
 * Exactly one report per invocation: the response, or the error report of its failure, and what
 * the loop does when the Runtime API refuses a report (only a 500 stops it).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ErrorReport from "../ErrorReport.js"
import type * as Handler from "../Handler.js"
import { ResponseSizeTooLarge } from "../HandlerError.js"
import type * as RuntimeApi from "../RuntimeApi.js"
import { type InvalidInvocation, isRuntimeApiError, type RuntimeApiError } from "../RuntimeApiError.js"

/**
 * The one place a fatal Runtime API error (500: the environment is broken) is told apart from
 * one the loop survives (the invocation is over, the next one may go well).
 *
 * @internal
 */
export const isFatal = (error: RuntimeApiError): boolean => error._tag === "ContainerError"

/**
 * How one loop reports its invocations to `api`.
 *
 * @internal
 */
export interface Reporter {
  /** Posts the buffered response; a 413 becomes one `Function.ResponseSizeTooLarge` error report. */
  readonly respond: (requestId: string, output: Handler.Buffered) => Effect.Effect<void, RuntimeApiError>
  /** What follows a buffered response the API did not accept (the loop's fast path posted it). */
  readonly refusedResponse: (requestId: string, error: RuntimeApiError) => Effect.Effect<void, RuntimeApiError>
  /** Logs and posts the error report of a failed invocation. */
  readonly failure: (requestId: string, cause: Cause.Cause<unknown>) => Effect.Effect<void, RuntimeApiError>
  /** What is left to do once a streamed response ended in failure after its first byte. */
  readonly streamEnded: (requestId: string, cause: Cause.Cause<unknown>) => Effect.Effect<void, RuntimeApiError>
  /** A `next` answer that is not an invocation: its request id (if any) still gets one report. */
  readonly invalidInvocation: (error: InvalidInvocation) => Effect.Effect<void, RuntimeApiError>
}

/**
 * @internal
 */
export const make = (api: RuntimeApi.RuntimeApiShape): Reporter => {
  // A refused report (403, 400, a broken connection) ends that invocation, not the loop.
  const send = (
    requestId: string,
    report: Effect.Effect<void, RuntimeApiError>
  ): Effect.Effect<void, RuntimeApiError> =>
    Effect.catchAll(report, (error) =>
      isFatal(error)
        ? Effect.fail(error)
        : Effect.logWarning(`Runtime API refused the report for ${requestId}: ${error._tag}: ${error.message}`))

  const failure = (requestId: string, cause: Cause.Cause<unknown>) => {
    const report = ErrorReport.fromCause(cause)
    return Effect.zipRight(
      Effect.logError(`Invoke Error\t${ErrorReport.toBody(report)}`),
      send(requestId, api.fail(requestId, report))
    )
  }

  // What follows a response the API did not accept: a 413 becomes the error report.
  const refusedResponse = (requestId: string, error: RuntimeApiError): Effect.Effect<void, RuntimeApiError> =>
    error._tag === "PayloadTooLarge"
      ? failure(
        requestId,
        Cause.fail(
          new ResponseSizeTooLarge({
            message:
              `Response payload size (${error.size} bytes) exceeded the maximum allowed payload size: ${error.message}`
          })
        )
      )
      : send(requestId, Effect.fail(error))

  const respond = (requestId: string, output: Handler.Buffered) =>
    Effect.catchAll(
      api.respond(requestId, output.body, output.contentType),
      (error) => refusedResponse(requestId, error)
    )

  // A streamed response that ended in failure was already reported in its trailers, or its
  // connection broke and nothing more can be sent for it: only a 500 still matters. The Runtime
  // API's own errors are known by TypeId: a user's stream failing with an error tagged
  // `ContainerError` got its trailers like any other.
  const streamEnded = (requestId: string, cause: Cause.Cause<unknown>): Effect.Effect<void, RuntimeApiError> => {
    const failed = Cause.failureOption(cause)
    if (Option.isSome(failed) && isRuntimeApiError(failed.value)) {
      return isFatal(failed.value)
        ? Effect.fail(failed.value)
        : Effect.logWarning(
          `streamed response for ${requestId} ended early: ${failed.value._tag}: ${failed.value.message}`
        )
    }
    return Effect.void
  }

  const invalidInvocation = (error: InvalidInvocation) =>
    Effect.zipRight(
      Effect.logError(`Invalid invocation from the Runtime API: ${error.message}`),
      error.requestId === undefined
        ? Effect.void
        : send(
          error.requestId,
          api.fail(error.requestId, {
            header: "Runtime.UnknownReason",
            errorType: "InvalidInvocation",
            errorMessage: error.message,
            stackTrace: []
          })
        )
    )

  return { respond, refusedResponse, failure, streamEnded, invalidInvocation }
}
