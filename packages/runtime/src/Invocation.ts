/**
 * The answer of `GET /runtime/invocation/next`, read into a typed invocation.
 *
 * Decoding is hand-written rather than a `Schema` because it runs once per invocation on the
 * hot path; it is total: any header map gives either an `Invocation` or an `InvalidInvocation`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { InvalidInvocation } from "./RuntimeApiError.js"

/**
 * One invocation, as the Runtime API handed it to the runtime.
 *
 * @since 0.1.0
 * @category models
 */
export interface Invocation {
  /** `Lambda-Runtime-Aws-Request-Id`. */
  readonly requestId: string
  /** `Lambda-Runtime-Deadline-Ms`: Unix time in ms when the function times out. */
  readonly deadlineMs: number
  /** `Lambda-Runtime-Invoked-Function-Arn` (empty when the API did not send it). */
  readonly invokedFunctionArn: string
  /** `Lambda-Runtime-Trace-Id`: the X-Ray tracing header. */
  readonly traceId: string | undefined
  /** `Lambda-Runtime-Client-Context`, parsed from JSON. */
  readonly clientContext: unknown
  /** `Lambda-Runtime-Cognito-Identity`, parsed from JSON. */
  readonly cognitoIdentity: unknown
  /** `Lambda-Runtime-Aws-Tenant-Id`, for tenant-isolated functions. */
  readonly tenantId: string | undefined
  /** `Content-Type` of the event payload. */
  readonly contentType: string | undefined
  /** The event payload: bytes until a handler's schema says otherwise. */
  readonly body: Uint8Array
}

/**
 * Response headers as Node gives them: lower-case names.
 *
 * @since 0.1.0
 * @category models
 */
export type Headers = { readonly [name: string]: string | ReadonlyArray<string> | undefined }

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name]
  if (value === undefined) return undefined
  const text = typeof value === "string" ? value : value.join(", ")
  return text === "" ? undefined : text
}

const DIGITS = /^[0-9]{1,16}$/

const parseJsonHeader = (
  headers: Headers,
  name: string
): Either.Either<unknown, string> => {
  const text = header(headers, name)
  if (text === undefined) return Either.right(undefined)
  try {
    return Either.right(JSON.parse(text))
  } catch {
    return Either.left(`header ${name} is not valid JSON`)
  }
}

/**
 * Reads the headers and body of a `next` answer. A missing request id, a deadline that is not a
 * whole number of milliseconds, or client context / identity that is not JSON give an
 * `InvalidInvocation` (carrying the request id when there was one).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (headers: Headers, body: Uint8Array): Either.Either<Invocation, InvalidInvocation> => {
  const requestId = header(headers, "lambda-runtime-aws-request-id")
  if (requestId === undefined) {
    return Either.left(new InvalidInvocation({ message: "next answer has no Lambda-Runtime-Aws-Request-Id header" }))
  }
  const deadline = header(headers, "lambda-runtime-deadline-ms")
  if (deadline === undefined || !DIGITS.test(deadline)) {
    return Either.left(
      new InvalidInvocation({
        requestId,
        message: deadline === undefined
          ? "next answer has no Lambda-Runtime-Deadline-Ms header"
          : `Lambda-Runtime-Deadline-Ms is not a number of milliseconds: ${JSON.stringify(deadline.slice(0, 64))}`
      })
    )
  }
  const clientContext = parseJsonHeader(headers, "lambda-runtime-client-context")
  if (Either.isLeft(clientContext)) {
    return Either.left(new InvalidInvocation({ requestId, message: clientContext.left }))
  }
  const cognitoIdentity = parseJsonHeader(headers, "lambda-runtime-cognito-identity")
  if (Either.isLeft(cognitoIdentity)) {
    return Either.left(new InvalidInvocation({ requestId, message: cognitoIdentity.left }))
  }
  return Either.right({
    requestId,
    deadlineMs: Number(deadline),
    invokedFunctionArn: header(headers, "lambda-runtime-invoked-function-arn") ?? "",
    traceId: header(headers, "lambda-runtime-trace-id"),
    clientContext: clientContext.right,
    cognitoIdentity: cognitoIdentity.right,
    tenantId: header(headers, "lambda-runtime-aws-tenant-id"),
    contentType: header(headers, "content-type"),
    body
  })
}
