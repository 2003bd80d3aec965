/**
 * Wire-level constants and bodies of the Lambda Runtime API and Invoke API, as AWS's runtime
 * interface emulator (RIE) answers them.
 *
 * @internal
 */
import { ERROR_TYPE_PATTERN } from "@effect-lambda/runtime/ErrorReport"
import * as Crypto from "node:crypto"

/** RIE's `interop.MaxPayloadSize`: 6 MiB + 100 bytes, for buffered responses and invoke payloads. */
export const maxPayloadSize = 6 * 1024 * 1024 + 100

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
    signal !== null ? `with signal: ${signal.toLowerCase().replace(/^sig/, "")}` : `with error: exit status ${code ?? 0}`
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

export const functionArn = (region: string, functionName: string) =>
  `arn:aws:lambda:${region}:012345678912:function:${functionName}`

/** Strict base64 check: Node's decoder silently skips garbage, AWS rejects it. */
export const decodeBase64 = (value: string): string | undefined => {
  const trimmed = value.trim()
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 === 1) return undefined
  return Buffer.from(trimmed, "base64").toString("utf8")
}
