/**
 * Turns the `Cause` of a failed invocation (or init) into what the Runtime API expects: the
 * `Lambda-Runtime-Function-Error-Type` header, the `{ errorType, errorMessage, stackTrace }`
 * body and the X-Ray error cause.
 *
 * | what happened                                   | header                          | body `errorType`     |
 * |-------------------------------------------------|---------------------------------|----------------------|
 * | failed with a tagged error `E` (any tag)        | `Function.<_tag>`               | `<_tag>`             |
 * | failed with a plain `Error` / died              | `Runtime.UnhandledError` / `Runtime.Defect` | error's `name` |
 * | event did not decode                            | `Runtime.InvalidEvent`          | `ParseError`         |
 * | result did not encode or serialise              | `Runtime.InvalidResponse`       | `ParseError` / `TypeError` |
 * | deadline reached (`Task timed out after N.NN seconds`) | `Runtime.Timeout`     | `TimeoutError`       |
 * | response too large (413)                        | `Function.ResponseSizeTooLarge` | `ResponseSizeTooLarge` |
 * | init: no such handler / bad config / layer failed | `Runtime.NoSuchHandler` / `Runtime.ConfigInvalid` / `Runtime.InitError` | concrete error |
 * | anything else                                   | `Runtime.UnknownReason`         | concrete error       |
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as Option from "effect/Option"
import * as HandlerError from "./HandlerError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ErrorReport {
  /** Value of `Lambda-Runtime-Function-Error-Type`: always matches `(Runtime|Function)\.[A-Z][a-zA-Z]+`. */
  readonly header: string
  /** The concrete error's name, kept exact in the body. */
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export type Phase = "invoke" | "init"

/**
 * The form Lambda keeps for an error-type header; anything else it turns into `*.Unknown`.
 *
 * @since 0.1.0
 * @category validation
 */
export const ERROR_TYPE_PATTERN = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/

/**
 * Turns any tag into the `[A-Z][a-zA-Z]+` form the header requires: `my-error` -> `MyError`,
 * `HTTP_404_error` -> `HTTPError`; `Unknown` when nothing usable is left.
 *
 * @since 0.1.0
 * @category validation
 */
export const sanitiseTag = (tag: string): string => {
  let out = ""
  for (const word of tag.split(/[^a-zA-Z]+/)) {
    if (word.length > 0) out += word[0]!.toUpperCase() + word.slice(1)
  }
  return out.length >= 2 ? out : "Unknown"
}

const MAX_MESSAGE = 64 * 1024

const truncate = (message: string): string =>
  message.length > MAX_MESSAGE
    ? `${message.slice(0, MAX_MESSAGE)}... (truncated, ${message.length} characters)`
    : message

const stackLines = (error: unknown): ReadonlyArray<string> => {
  if (error instanceof Error && typeof error.stack === "string") {
    return error.stack.split("\n")
  }
  return []
}

const messageOf = (error: unknown): string => {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const message = (error as { message: unknown }).message
    if (typeof message === "string" && message.length > 0) return truncate(message)
  }
  if (typeof error === "object" && error !== null) {
    try {
      // A tagged error without a message: its fields are the best description there is.
      const { _tag: _, ...fields } = error as Record<string, unknown>
      const json = JSON.stringify(fields)
      if (json !== undefined && json !== "{}") return truncate(json)
    } catch {
      // fall through to String()
    }
  }
  try {
    return truncate(String(error))
  } catch {
    return "error could not be described"
  }
}

const tagOf = (error: unknown): string | undefined => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const tag = (error as { _tag: unknown })._tag
    if (typeof tag === "string" && tag.length > 0) return tag
  }
  return undefined
}

const nameOf = (error: unknown): string => {
  const tag = tagOf(error)
  if (tag !== undefined) return tag
  if (error instanceof Error) return error.name
  return typeof error
}

const report = (header: string, errorType: string, error: unknown, message?: string): ErrorReport => ({
  header,
  errorType,
  errorMessage: message ?? messageOf(error),
  stackTrace: stackLines(error)
})

// Errors the runtime raises itself: where they were raised inside the runtime says nothing
// useful to the function's author, so they carry no stack.
const runtimeReport = (header: string, errorType: string, error: unknown): ErrorReport => ({
  header,
  errorType,
  errorMessage: messageOf(error),
  stackTrace: []
})

// The runtime's own errors are known by their TypeId (`isHandlerError`), never by `_tag` text:
// a user's error tagged `TimeoutError` or `InvalidEvent` is the user's, `Function.<Tag>`.
const fromHandlerError = (error: HandlerError.HandlerError): ErrorReport => {
  switch (error._tag) {
    case "InvalidEvent":
      return runtimeReport("Runtime.InvalidEvent", "ParseError", error)
    case "InvalidResponse":
      return runtimeReport("Runtime.InvalidResponse", error.reason, error)
    case "TimeoutError":
      return runtimeReport("Runtime.Timeout", "TimeoutError", error)
    case "ResponseSizeTooLarge":
      return runtimeReport("Function.ResponseSizeTooLarge", "ResponseSizeTooLarge", error)
    case "NoSuchHandler":
      return runtimeReport("Runtime.NoSuchHandler", "NoSuchHandler", error)
  }
}

const fromFailure = (error: unknown, phase: Phase): ErrorReport => {
  if (HandlerError.isHandlerError(error)) return fromHandlerError(error)
  const tag = tagOf(error)
  if (ConfigError.isConfigError(error)) {
    return {
      header: "Runtime.ConfigInvalid",
      errorType: "ConfigError",
      errorMessage: truncate(String(error)),
      stackTrace: []
    }
  }
  if (phase === "init") {
    return report("Runtime.InitError", nameOf(error), error)
  }
  if (tag !== undefined) {
    return report(`Function.${sanitiseTag(tag)}`, tag, error)
  }
  if (error instanceof Error) {
    return report("Runtime.UnhandledError", error.name, error)
  }
  return report("Runtime.UnknownReason", typeof error, error)
}

/**
 * Maps the cause of a failed invocation (`phase: "invoke"`, the default) or init to a report.
 * The first failure wins over defects, and defects over interruption.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCause = (cause: Cause.Cause<unknown>, phase: Phase = "invoke"): ErrorReport => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return fromFailure(failure.value, phase)
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) {
    const error = defect.value
    if (phase === "init") return fromFailure(error, phase)
    return report("Runtime.Defect", error instanceof Error ? error.name : nameOf(error), error)
  }
  if (Cause.isInterrupted(cause)) {
    return {
      header: phase === "init" ? "Runtime.InitError" : "Runtime.UnknownReason",
      errorType: "Interrupted",
      errorMessage: phase === "init" ? "init was interrupted" : "the invocation was interrupted",
      stackTrace: []
    }
  }
  return { header: "Runtime.UnknownReason", errorType: "Unknown", errorMessage: "unknown failure", stackTrace: [] }
}

/**
 * The JSON body of `POST /runtime/invocation/{id}/error` and `/runtime/init/error`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBody = (self: ErrorReport): string =>
  JSON.stringify({ errorType: self.errorType, errorMessage: self.errorMessage, stackTrace: self.stackTrace })

// "    at label (path:line:col)" or "    at path:line:col"
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/

const MAX_XRAY_HEADER = 8 * 1024

/**
 * The `Lambda-Runtime-Function-XRay-Error-Cause` header: X-Ray's error-cause JSON, escaped to
 * ASCII (header values cannot carry raw non-ASCII) and kept under 8 KiB by dropping frames.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toXRayCause = (self: ErrorReport): string => {
  const stack: Array<{ path: string; line: number; label: string }> = []
  for (const line of self.stackTrace) {
    const match = FRAME.exec(line)
    if (match !== null) stack.push({ path: match[2]!, line: Number(match[3]), label: match[1] ?? "anonymous" })
  }
  const encode = (frames: typeof stack, message: string) =>
    JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [{ type: self.errorType, message, stack: frames }],
      paths: Array.from(new Set(frames.map((frame) => frame.path)))
    }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  let frames = stack
  let message = self.errorMessage.length > 1024 ? self.errorMessage.slice(0, 1024) : self.errorMessage
  let json = encode(frames, message)
  while (json.length > MAX_XRAY_HEADER && frames.length > 0) {
    frames = frames.slice(0, Math.floor(frames.length / 2))
    json = encode(frames, message)
  }
  if (json.length > MAX_XRAY_HEADER) {
    message = message.slice(0, 256)
    json = encode([], message)
  }
  return json
}
