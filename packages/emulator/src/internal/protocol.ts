/**
 * Wire-level constants and bodies of the Lambda Runtime API and Invoke API, as AWS's runtime
 * interface emulator (RIE) answers them.
 *
 * @internal
 */
import { ERROR_TYPE_PATTERN } from "@effect-lambda/runtime/ErrorReport"
import * as Crypto from "node:crypto"

/** RIE's `interop.MaxPayloadSize`: 6 MiB + 100 bytes, Lambda's limit of a buffered response. */
export const maxPayloadSize = 6 * 1024 * 1024 + 100

/** Lambda's limit of a synchronous request (Invoke, InvokeWithResponseStream, Function URL): 6 MiB. */
export const maxRequestSize = 6 * 1024 * 1024

/** Lambda's limit of an asynchronous (`Event`) request: 1 MiB since October 2025. */
export const maxAsyncRequestSize = 1024 * 1024

/** AWS's soft limit for streamed responses, the default of `Emulator.StreamingOptions.maxResponseBytes`. */
export const maxStreamedResponseSize = 20 * 1024 * 1024

export const functionVersion = "$LATEST"

/** Where the Runtime API 2018-06-01 lives. */
export const runtimeApiPrefix = "/2018-06-01"

const encoder = new TextEncoder()

export const utf8 = (s: string): Uint8Array => encoder.encode(s)

/** Body of a Runtime API error answer, same key order as RIE's rendering. */
export const runtimeApiErrorBody = (errorType: string, errorMessage: string) => ({ errorMessage, errorType })

export const accepted = { status: "OK" } as const

export const invalidRequestId = runtimeApiErrorBody("InvalidRequestID", "Invalid request ID")

export const invalidStateTransition = (from: string, to: string) =>
  runtimeApiErrorBody(
    "InvalidStateTransition",
    `State transition from ${from} to ${to} failed for runtime. Error: State transition is not allowed`
  )

export const requestEntityTooLarge = runtimeApiErrorBody(
  "RequestEntityTooLarge",
  `Exceeded maximum allowed payload size (${maxPayloadSize} bytes).`
)

export const invalidFunctionResponseMode = runtimeApiErrorBody(
  "InvalidFunctionResponseMode",
  "Invalid function response mode"
)

export const truncatedHttpRequest = runtimeApiErrorBody("TruncatedHTTPRequest", "HTTP request detected as truncated")

export const internalServerError = runtimeApiErrorBody("InternalServerError", "Internal Server Error")

/**
 * Lambda keeps a `Lambda-Runtime-Function-Error-Type` only when it matches the documented pattern
 * (RIE `fatalerror.GetValidRuntimeOrFunctionErrorType`).
 */
export const normaliseErrorType = (value: string | undefined): string => {
  if (value === undefined || value === "") return "Runtime.Unknown"
  if (ERROR_TYPE_PATTERN.test(value)) return value
  return value.startsWith("Function.") ? "Function.Unknown" : "Runtime.Unknown"
}

/** The error JSON an invoker receives, as Lambda renders platform errors. */
export const functionErrorBody = (errorType: string, errorMessage: string): Uint8Array =>
  utf8(JSON.stringify({ errorMessage, errorType }))

export const timeoutMessage = (requestId: string, timeoutSeconds: number) =>
  `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`

export const exitMessage = (requestId: string, code: number | null, signal: string | null) =>
  `RequestId: ${requestId} Error: Runtime exited ${
    signal !== null
      ? `with signal: ${signal.toLowerCase().replace(/^sig/, "")}`
      : `with error: exit status ${code ?? 0}`
  }`

export const responseTooLargeMessage = (size: number, limit: number) =>
  `Response payload size (${size} bytes) exceeded maximum allowed payload size (${limit} bytes).`

export const newRequestId = (): string => Crypto.randomUUID()

/** A fresh X-Ray tracing header: `Root=1-<epoch seconds hex>-<24 hex>;Parent=<16 hex>;Sampled=1`. */
export const newTraceId = (nowMs: number): string => {
  const epoch = Math.floor(nowMs / 1000).toString(16).padStart(8, "0")
  const random = Crypto.randomBytes(20).toString("hex")
  return `Root=1-${epoch}-${random.slice(0, 24)};Parent=${random.slice(24)};Sampled=1`
}

const traceRoot = /(^|;)\s*Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;|$)/

/** An invoker's `X-Amzn-Trace-Id` passes through when it carries a valid root, as in Lambda. */
export const isValidTraceId = (value: string): boolean => traceRoot.test(value)

/** `YYYY/MM/DD/[$LATEST]<32 hex>`, the shape of a Lambda log stream name. */
export const newLogStreamName = (nowMs: number): string => {
  const d = new Date(nowMs)
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/[${functionVersion}]${
    Crypto.randomBytes(16).toString("hex")
  }`
}

/**
 * Lambda's `FunctionName` of Invoke: a name (up to 64 characters), a partial ARN
 * (`123456789012:function:name`) or a full ARN, optionally with a version or alias, up to 170
 * characters in all.
 */
const functionNamePattern =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?(-iso[a-z]?)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9_.-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?$/

/** Why a function name is refused (Lambda's validation message), or undefined when it is valid. */
export const functionNameError = (value: string): string | undefined => {
  const refuse = (constraint: string) =>
    `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: ${constraint}`
  if (value.length < 1) return refuse("Member must have length greater than or equal to 1")
  if (value.length > 170) return refuse("Member must have length less than or equal to 170")
  const match = functionNamePattern.exec(value)
  if (match === null) {
    return refuse(`Member must satisfy regular expression pattern: ${functionNamePattern.source.slice(1, -1)}`)
  }
  // A bare name is held to CreateFunction's 64 characters; the length limit covers ARNs.
  if (match[8]!.length > 64) return refuse("Member must have length less than or equal to 64")
  return undefined
}

/** The account of the emulator's function ARNs (AWS's emulator's). */
export const accountId = "012345678912"

export const functionArn = (region: string, functionName: string) =>
  `arn:aws:lambda:${region}:${accountId}:function:${functionName}`

/**
 * A client context as Lambda takes it: base64 of a JSON object. Returns the object re-serialised
 * with everything outside printable ASCII escaped, so that it can travel in the `next` answer's
 * `Lambda-Runtime-Client-Context` header (a raw newline or a non-Latin-1 character there would
 * make the answer itself fail), or undefined when it is not one.
 */
export const decodeClientContext = (value: string): string | undefined => {
  const text = decodeBase64(value)
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined
  return asciiJson(parsed)
}

/** JSON with every character outside printable ASCII as a `\uXXXX` escape (still the same JSON value). */
export const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** Why a payload is not JSON (Lambda refuses it before it reaches the function), or undefined when it is. */
export const jsonError = (payload: Uint8Array): string | undefined => {
  // An empty payload is taken as no event, as Lambda does.
  if (payload.length === 0) return undefined
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload))
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** Strict base64 check: Node's decoder silently skips garbage, AWS rejects it. */
export const decodeBase64 = (value: string): string | undefined => {
  const trimmed = value.trim()
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 === 1) return undefined
  return Buffer.from(trimmed, "base64").toString("utf8")
}
