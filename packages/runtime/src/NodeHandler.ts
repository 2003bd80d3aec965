/**
 * The drop-in runner: runs an existing Node.js Lambda function (`_HANDLER=file.handler`, code in
 * `LAMBDA_TASK_ROOT`) exactly as aws-lambda-ric 4.x, the client of AWS's `nodejs22.x` /
 * `nodejs24.x` runtimes, does: the same module resolution (`.js`/`.mjs`/`.cjs`, the nearest
 * `package.json` `type`, extensionless files, `dir/file.fn`, nested `file.a.b`, `default`), a
 * top-level await that finishes before the first invocation, the same init error types
 * (`Runtime.MalformedHandlerName`, `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`,
 * `Runtime.UserCodeSyntaxError`, `Runtime.CallbackHandlerDeprecated`), the same `context`
 * object, `awslambda.streamifyResponse` / `awslambda.HttpResponseStream`, the same error reports
 * (`{ errorType, errorMessage, trace }`) and the same `console` lines. A differential test runs
 * every case under AWS's client and this runner against one Runtime API.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { hasProperty } from "effect/Predicate"
import * as UserFunction from "./internal/userFunction.js"
import * as UserFunctionRuntime from "./internal/userFunctionRuntime.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/NodeHandler/NodeHandlerError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The error types AWS's client gives a handler that cannot be loaded; any other error raised
 * while loading (a throw or rejected top-level await in the module) keeps the user's own name.
 *
 * @since 0.1.0
 * @category models
 */
export type LoadErrorType =
  | "Runtime.MalformedHandlerName"
  | "Runtime.ImportModuleError"
  | "Runtime.HandlerNotFound"
  | "Runtime.UserCodeSyntaxError"
  | "Runtime.MalformedStreamingHandler"
  | "Runtime.CallbackHandlerDeprecated"

/**
 * The handler could not be loaded. `errorType` is what AWS reports at init: one of
 * `LoadErrorType`, or the name of the user's error.
 *
 * @since 0.1.0
 * @category errors
 */
export class NodeHandlerError extends Data.TaggedError("NodeHandlerError")<{
  readonly errorType: LoadErrorType | (string & {})
  readonly message: string
  readonly cause: unknown
}> {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isNodeHandlerError = (u: unknown): u is NodeHandlerError => hasProperty(u, TypeId)

/**
 * A loaded handler: the function and what AWS's client reads from it.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadedHandler {
  readonly handler: (...args: Array<any>) => unknown
  /** Marked by `awslambda.streamifyResponse`. */
  readonly streaming: boolean
  readonly highWaterMark: number | undefined
}

const toError = (cause: unknown): NodeHandlerError => {
  const report = UserFunction.formatError(cause)
  return new NodeHandlerError({ errorType: report.errorType, message: report.errorMessage, cause })
}

/**
 * Loads `handler` (`[dir/]file.export[.nested]`) from `taskRoot` as AWS's client does. The
 * module is imported for real, so its top-level code (and await) runs.
 *
 * @since 0.1.0
 * @category loading
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeHandler } from "@effect-lambda/runtime"
 *
 * const program = NodeHandler.load("/var/task", "index.handler").pipe(
 *   Effect.catchTag("NodeHandlerError", (e) => Effect.logError(`${e.errorType}: ${e.message}`))
 * )
 * ```
 */
export const load = (taskRoot: string, handler: string): Effect.Effect<LoadedHandler, NodeHandlerError> =>
  Effect.tryPromise({
    try: () => UserFunction.load(taskRoot, handler),
    catch: toError
  }).pipe(Effect.map((fn) => ({
    handler: fn.handler,
    streaming: fn.metadata.streaming,
    highWaterMark: fn.metadata.highWaterMark
  })))

/**
 * Runs the function named by `_HANDLER` in `LAMBDA_TASK_ROOT` against the Runtime API at
 * `AWS_LAMBDA_RUNTIME_API`, forever. Fails when init fails (after reporting it to
 * `/runtime/init/error`), when `next` fails, or on an event AWS's client would also stop on.
 *
 * @since 0.1.0
 * @category running
 */
export const run: Effect.Effect<never, NodeHandlerError> = Effect.tryPromise({
  try: () => UserFunctionRuntime.start(),
  catch: toError
})

/**
 * The main program of a drop-in `bootstrap`: runs the function and, like AWS's client, ends the
 * process with exit code 1 and the error on stderr when the runner stops.
 *
 * As AWS's client, it publishes the invoke store of `@aws/lambda-invoke-store` as
 * `globalThis.awslambda.InvokeStore` before the function's code loads, and runs each invocation
 * with its request id, X-Ray trace id and tenant id in it, so libraries that read the current
 * invocation from there (Powertools >= 2.29, the AWS SDK) see the right one. With
 * `AWS_LAMBDA_MAX_CONCURRENCY` set it serves that many invocations at once, and the store is
 * AsyncLocalStorage-based: each invocation, and whatever it starts, sees its own.
 *
 * @since 0.1.0
 * @category running
 * @example
 * ```ts
 * // bootstrap.mjs, next to the function's code
 * import { NodeHandler } from "@effect-lambda/runtime"
 *
 * NodeHandler.runMain()
 * ```
 */
export const runMain = (): void => {
  UserFunctionRuntime.start().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? String(error)) : String(error)}\n`)
    process.exit(1)
  })
}
