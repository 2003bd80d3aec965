/**
 * Loads a plain Node.js handler named by `_HANDLER` the way aws-lambda-ric 4.x (the client of
 * AWS's nodejs22.x/nodejs24.x runtimes) does, rule for rule: the same handler-string parsing, the
 * same extension order, the same fallback to `require.resolve`, the same error classes and
 * messages. Read from the 4.0.2 npm package (`dist/function/*`, `dist/utils/handler-path.js`).
 *
 * @internal
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

// The error classes AWS's client throws (aws-lambda-ric 4.x `dist/utils/errors.js`). Their
// `name` is the `errorType` of the report; the class's own name is what a JSON `Init Error` /
// `Invoke Error` line shows as `errorType` (the console's error replacer reads
// `constructor.name`). Both are set as the client sets them, the class name explicitly so that
// neither a bundler's renaming nor the factory below changes it.

/**
 * An `Error` class named `className` whose instances are named `errorType`.
 *
 * @internal
 */
const runtimeError = (className: string, errorType: string) => {
  const RuntimeError = class extends Error {
    constructor(message: string) {
      super(message)
      this.name = errorType
    }
  }
  Object.defineProperty(RuntimeError, "name", { value: className })
  return RuntimeError
}

/** @internal */
export const MalformedHandlerNameError = runtimeError("MalformedHandlerNameError", "Runtime.MalformedHandlerName")

/** @internal */
export const HandlerNotFoundError = runtimeError("HandlerNotFoundError", "Runtime.HandlerNotFound")

/** @internal */
export class ImportModuleError extends Error {
  constructor(originalError: unknown) {
    super(String(originalError))
    this.name = "Runtime.ImportModuleError"
  }
}

/** @internal */
export class UserCodeSyntaxError extends Error {
  constructor(originalError: Error) {
    super(String(originalError))
    this.name = "Runtime.UserCodeSyntaxError"
    if (originalError.stack !== undefined) this.stack = originalError.stack
    else delete (this as { stack?: string }).stack
  }
}

/** @internal */
export const MalformedStreamingHandlerError = runtimeError(
  "MalformedStreamingHandler",
  "Runtime.MalformedStreamingHandler"
)

/** @internal */
export const CallbackHandlerDeprecatedError = runtimeError(
  "CallbackHandlerDeprecatedError",
  "Runtime.CallbackHandlerDeprecated"
)

/** @internal */
export const PlatformError = runtimeError("PlatformError", "Runtime.PlatformError")

/** @internal */
export const JSONStringifyError = runtimeError("JSONStringifyError", "Runtime.JSONStringifyError")

/** @internal */
export const InvalidStreamingOperationError = runtimeError(
  "InvalidStreamingOperation",
  "Runtime.InvalidStreamingOperation"
)

/** The symbols `awslambda.streamifyResponse` marks a handler with (shared with AWS's client). */
/** @internal */
export const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming")
/** @internal */
export const HANDLER_HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark")
const STREAM_RESPONSE = "response"

/** @internal */
export type UserHandler = ((...args: Array<any>) => unknown) & {
  [HANDLER_STREAMING]?: unknown
  [HANDLER_HIGHWATERMARK]?: unknown
}

/** @internal */
export interface HandlerMetadata {
  readonly streaming: boolean
  readonly highWaterMark: number | undefined
  readonly argsNum: number
}

/** @internal */
export interface UserFunction {
  readonly handler: UserHandler
  readonly metadata: HandlerMetadata
}

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/

/**
 * `dir/file.a.b` -> module root `dir`, module `file`, handler path `a.b`. The module root is cut
 * at the *first* occurrence of the base name, as AWS's client does.
 *
 * @internal
 */
export const parseHandlerString = (
  full: string
): { readonly moduleRoot: string; readonly moduleName: string; readonly handlerName: string } => {
  if (full.includes("..")) {
    throw new MalformedHandlerNameError(
      `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`
    )
  }
  const handlerString = path.basename(full)
  const moduleRoot = full.substring(0, full.indexOf(handlerString))
  const match = handlerString.match(FUNCTION_EXPR)
  if (!match || match.length !== 3) throw new MalformedHandlerNameError("Bad handler")
  return { moduleRoot: moduleRoot.replace(/\/$/, ""), moduleName: match[1]!, handlerName: match[2]! }
}

// `require` for CommonJS fallbacks; its own location does not matter since every call passes paths.
const cjsRequire = createRequire(import.meta.url)

// A plain `import()` of the path string, exactly what AWS's client evaluates: Node decides ESM or
// CommonJS from the extension and the nearest package.json `type`, as it does there.
const importPath = (file: string): Promise<unknown> => import(/* @vite-ignore */ file)

const EXTENSIONS = ["", ".js", ".mjs", ".cjs"]

/**
 * Imports the module: `<root>/<dir>/<file>` with no extension, then `.js`, `.mjs`, `.cjs` (the
 * first that exists), else whatever `require.resolve(<file>)` finds from the task root and the
 * directory (a package in `node_modules`). A top-level await finishes before this resolves.
 *
 * @internal
 */
export const loadModule = async (appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> => {
  const withoutExtension = path.resolve(appRoot, moduleRoot, moduleName)
  try {
    for (const extension of EXTENSIONS) {
      const file = `${withoutExtension}${extension}`
      const module = fs.existsSync(file) ? await importPath(file) : undefined
      if (module) return module
    }
    const resolved = cjsRequire.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] })
    return cjsRequire(resolved)
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(error)
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
      throw new ImportModuleError(error)
    }
    // Anything else (a top-level throw or rejection, ERR_MODULE_NOT_FOUND from an ES import)
    // reaches the init report as the user's own error.
    throw error
  }
}

// `a.b.c` walks objects only: a function carrying properties is not descended into.
const findIn = (handlerName: string, module: unknown): unknown =>
  handlerName.split(".").reduce<unknown>(
    (nested, key) => nested && typeof nested === "object" ? (nested as Record<string, unknown>)[key] : undefined,
    module
  )

/** @internal */
export const resolveHandler = (module: unknown, handlerName: string, full: string): UserHandler => {
  let handler = findIn(handlerName, module)
  if (!handler && typeof module === "object" && module !== null && "default" in module) {
    handler = findIn(handlerName, (module as { default: unknown }).default)
  }
  if (!handler) throw new HandlerNotFoundError(`${full} is undefined or not exported`)
  if (typeof handler !== "function") throw new HandlerNotFoundError(`${full} is not a function`)
  return handler as UserHandler
}

const metadataOf = (handler: UserHandler): HandlerMetadata => {
  const streamingValue = handler[HANDLER_STREAMING]
  let streaming = false
  if (streamingValue) {
    if (streamingValue !== STREAM_RESPONSE) {
      throw new MalformedStreamingHandlerError("Only response streaming is supported.")
    }
    streaming = true
  }
  const waterMark = handler[HANDLER_HIGHWATERMARK]
  const hwm = waterMark ? Number(waterMark) : Number.NaN
  return { streaming, highWaterMark: Number.isNaN(hwm) ? undefined : hwm, argsNum: handler.length }
}

const CALLBACK_ERROR_NODEJS22 =
  "ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html."
const CALLBACK_ERROR_NODEJS24_ABOVE =
  "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html."

/**
 * AWS's policy since Node.js 24: a handler declaring three or more parameters (a callback) is
 * refused at init, unless it streams. Counted from `Function.length`, as AWS does.
 *
 * @internal
 */
export const errorOnDeprecatedCallback = (metadata: HandlerMetadata): void => {
  if (metadata.argsNum >= 3 && !metadata.streaming) {
    throw new CallbackHandlerDeprecatedError(
      process.env.AWS_EXECUTION_ENV === "AWS_Lambda_nodejs22.x"
        ? CALLBACK_ERROR_NODEJS22
        : CALLBACK_ERROR_NODEJS24_ABOVE
    )
  }
}

/**
 * Loads `handlerString` from `appRoot`: parse, import (top-level await included), resolve,
 * check the streaming marker and the callback policy. Throws AWS's error classes.
 *
 * @internal
 */
export const load = async (appRoot: string, handlerString: string): Promise<UserFunction> => {
  const { handlerName, moduleName, moduleRoot } = parseHandlerString(handlerString)
  const module = await loadModule(appRoot, moduleRoot, moduleName)
  const handler = resolveHandler(module, handlerName, handlerString)
  const metadata = metadataOf(handler)
  errorOnDeprecatedCallback(metadata)
  return { handler, metadata }
}

/**
 * AWS's error body: `{ errorType, errorMessage, trace }` (`trace`, not `stackTrace`), with DEL
 * characters escaped as the Runtime API requires.
 *
 * @internal
 */
export const formatError = (error: unknown): { errorType: string; errorMessage: string; trace: Array<string> } => {
  try {
    if (error instanceof Error) {
      return {
        errorType: error.name?.replaceAll("\x7F", "%7F"),
        errorMessage: error.message?.replaceAll("\x7F", "%7F"),
        trace: error.stack?.replaceAll("\x7F", "%7F").split("\n") || []
      }
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] }
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
      trace: []
    }
  }
}

/**
 * The `Lambda-Runtime-Function-XRay-Error-Cause` value AWS's client sends with an error.
 *
 * @internal
 */
export const formatXRayError = (error: any): string => {
  try {
    const frames = parseStackTrace(error.stack)
    return JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [{
        type: error.name?.replaceAll("\x7F", "%7F"),
        message: error.message?.replaceAll("\x7F", "%7F"),
        stack: frames
      }],
      paths: frames.map((entry) => entry.path).filter((value, index, self) => self.indexOf(value) === index)
    })
  } catch {
    return ""
  }
}

const parseStackTrace = (stack: unknown): Array<{ path: string | undefined; line: number; label: string }> => {
  if (!stack) return []
  const lines = String(stack).replaceAll("\x7F", "%7F").split("\n")
  lines.shift()
  return lines.map((line) => {
    const trimmed = line.trim().replace(/[()]/g, "").replace(/^[^\s]*\s/, "")
    const lastSpace = trimmed.lastIndexOf(" ")
    const label = lastSpace >= 0 ? trimmed.slice(0, lastSpace) : "anonymous"
    const parts = (lastSpace >= 0 ? trimmed.slice(lastSpace + 1) : trimmed).split(":")
    return { path: parts[0], line: parseInt(parts[1]!), label }
  })
}

/** `JSON.stringify` of a result, `undefined` as `null`; AWS's error when it cannot. @internal */
export const serializeToJSON = (value: unknown): string => {
  try {
    return JSON.stringify(value === undefined ? null : value)
  } catch {
    throw new JSONStringifyError("Unable to stringify response body")
  }
}
