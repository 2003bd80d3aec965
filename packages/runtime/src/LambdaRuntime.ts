/**
 * The runtime: init once, then the invocation loop, forever.
 *
 * environment -> config -> handler -> layer (init) -> loops -> finalizers (shutdown). Where each
 * part lives:
 *
 * | what | module |
 * |---|---|
 * | init: config, `_HANDLER`, the user's layer, `/init/error` | this module (`run`) |
 * | which handler `_HANDLER` names | `internal/handlers.ts` |
 * | the loop: `next`, invalid `next` answers, concurrency | `internal/loop.ts` |
 * | one invocation: handler fiber, streamed bodies | `internal/invoke.ts` |
 * | the deadline timer and `Runtime.Timeout` | `internal/deadline.ts` |
 * | exactly one report; refused reports; what is fatal | `internal/report.ts` |
 * | error report bodies and types | `ErrorReport.ts` |
 * | the wire | `RuntimeApi.ts`, `internal/*Transport.ts` |
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as ErrorReport from "./ErrorReport.js"
import * as FunctionConfig from "./FunctionConfig.js"
import type * as Handler from "./Handler.js"
import * as Crash from "./internal/crash.js"
import * as GracefulShutdown from "./internal/gracefulShutdown.js"
import * as Handlers_ from "./internal/handlers.js"
import * as Loop from "./internal/loop.js"
import * as SourceMaps from "./internal/sourceMaps.js"
import type * as LambdaContext from "./LambdaContext.js"
import * as LambdaLogger from "./LambdaLogger.js"
import * as RuntimeApi from "./RuntimeApi.js"
import type { RuntimeApiError } from "./RuntimeApiError.js"

/**
 * Init failed; the failure was reported to `POST /runtime/init/error` (when the API could be
 * reached) and the runtime stops with a non-zero exit code.
 *
 * @since 0.1.0
 * @category errors
 */
export class InitFailed extends Schema.TaggedError<InitFailed>()("InitFailed", {
  errorType: Schema.String,
  message: Schema.String
}) {}

/**
 * Why the runtime stopped: init failed, or the Runtime API failed in a way that leaves no
 * safe way on (a 500 container error, a connection that cannot be re-established, an answer of
 * `next` that is not an invocation).
 *
 * @since 0.1.0
 * @category errors
 */
export type RunError = InitFailed | RuntimeApiError

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /**
   * How long before the deadline the runtime interrupts a handler that is still running, so the
   * `Runtime.Timeout` report reaches Lambda before Lambda stops the environment. Default 50 ms.
   */
  readonly deadlineMarginMs?: number
  /**
   * Bound on the finalizers of the user's layer at shutdown. Default 500 ms (`runMain`: 300 ms
   * when external extensions are in `/opt/extensions`, the runtime's share of Lambda's budget).
   */
  readonly finalizerTimeoutMs?: number
  /**
   * `runMain` only: register the internal extension that makes Lambda send SIGTERM at shutdown
   * (so the finalizers run there). Default true.
   */
  readonly gracefulShutdown?: boolean
  /** `runMain` only: map stack traces through `<bundle>.map` at the first error. Default true. */
  readonly sourceMaps?: boolean
  /**
   * Write `console.*` in Lambda's format (`LambdaLogger.patchConsole`). Default: true in
   * `runMain`, false in `run` (tests keep their console).
   */
  readonly patchConsole?: boolean
}

/**
 * One handler, or several by name: `_HANDLER` (`file.name` or `name`) picks one at init.
 *
 * @since 0.1.0
 * @category models
 */
export type Handlers = Handler.Handler.Any | Readonly<Record<string, Handler.Handler.Any>>

/**
 * The services every handler of `H` needs.
 *
 * @since 0.1.0
 * @category models
 */
export type HandlersContext<H> = H extends Handler.Handler<infer _Event, infer _A, infer _E, infer R>
  ? Exclude<R, LambdaContext.LambdaContext | FunctionConfig.FunctionConfig>
  : H extends Readonly<Record<string, infer A>> ? HandlersContext<A>
  : never

// How init problems are logged before the configuration (and so the log format) is known.
const INIT_LOGGING = { logFormat: "Text", logLevel: LogLevel.All } as const

const describeStop = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && "message" in error
    ? `${String(error._tag)}: ${String(error.message)}`
    : String(error)

// Every init failure takes this way: logged, posted to /init/error, then InitFailed.
const reportInit = (api: RuntimeApi.RuntimeApiShape, cause: Cause.Cause<unknown>): Effect.Effect<never, InitFailed> => {
  const report = ErrorReport.fromCause(cause, "init")
  return Effect.logFatal(`Init Error\t${ErrorReport.toBody(report)}`).pipe(
    Effect.zipRight(Effect.either(api.initError(report))),
    Effect.zipRight(Effect.fail(new InitFailed({ errorType: report.header, message: report.errorMessage })))
  )
}

/**
 * Runs a function: reads its configuration, builds `layer` once (init), reports an init failure
 * to `POST /runtime/init/error`, then serves invocations with one loop per allowed concurrent
 * invocation until a fatal Runtime API error or interruption. Each invocation gets exactly one
 * response or error report, whatever the handler does; the layer's finalizers run, within
 * `finalizerTimeoutMs`, when the runtime stops.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <const H extends Handlers, ROut, E>(
  handlers: H,
  layer: Layer.Layer<ROut, E, FunctionConfig.FunctionConfig>,
  options: RunOptions = {}
): Effect.Effect<never, RunError, RuntimeApi.RuntimeApi | Exclude<HandlersContext<H>, ROut>> =>
  runWith(handlers, layer, options, undefined)

// `run`, with the configuration already read when `runMain` could read it without effect/Config.
const runWith = <const H extends Handlers, ROut, E>(
  handlers: H,
  layer: Layer.Layer<ROut, E, FunctionConfig.FunctionConfig>,
  options: RunOptions,
  preread: FunctionConfig.FunctionConfig | undefined
): Effect.Effect<never, RunError, RuntimeApi.RuntimeApi | Exclude<HandlersContext<H>, ROut>> =>
  Effect.gen(function*() {
    const api = yield* RuntimeApi.RuntimeApi
    const config = preread ?? (yield* Effect.catchAllCause(
      FunctionConfig.config,
      (cause) => reportInit(api, cause).pipe(Effect.provide(LambdaLogger.layerWith(INIT_LOGGING)))
    ))
    const scope = yield* Scope.make()
    const serve = Effect.gen(function*() {
      const handler = yield* Effect.catchAllCause(Handlers_.select(handlers, config.handler), (cause) =>
        reportInit(api, cause))
      const context = yield* Layer.buildWithScope(layer, scope).pipe(
        Effect.provideService(FunctionConfig.FunctionConfig, config),
        Effect.catchAllCause((cause) =>
          reportInit(api, cause)
        )
      )
      const clock = yield* Effect.clock
      const oneLoop = Loop.make({ api, handler, config, clock, deadlineMarginMs: options.deadlineMarginMs ?? 50 }).pipe(
        Effect.provide(context),
        Effect.provideService(FunctionConfig.FunctionConfig, config)
      )
      // Several loops (Lambda Managed Instances): the first fatal error stops them all.
      return yield* config.maxConcurrency === 1
        ? oneLoop
        : Effect.all(Array.from({ length: config.maxConcurrency }, () => oneLoop), { concurrency: "unbounded" })
    })
    return yield* serve.pipe(
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.void
          : Effect.logFatal(`runtime stopped: ${describeStop(Cause.squash(cause))}`)
      ),
      Effect.onExit((exit) =>
        Scope.close(scope, exit).pipe(
          Effect.timeoutOption(Duration.millis(options.finalizerTimeoutMs ?? 500)),
          Effect.flatMap((done) =>
            done._tag === "None" ? Effect.logWarning("finalizers did not finish in time; stopping anyway") : Effect.void
          )
        )
      ),
      Effect.provide(
        options.patchConsole === true
          ? Layer.merge(LambdaLogger.layerWith(config), LambdaLogger.layerConsole(config))
          : LambdaLogger.layerWith(config)
      )
    )
  }) as Effect.Effect<never, RunError, RuntimeApi.RuntimeApi | Exclude<HandlersContext<H>, ROut>>

/**
 * Where a program that must not start yet (`effect-lambda build --snapshot`: the start belongs
 * in the V8 startup snapshot's main function) puts a `StartHook` before the function's code
 * runs: `globalThis[LambdaRuntime.startHook]`. When one is there, `runMain` hands it the start
 * of the runtime instead of starting; the runtime then draws from a `Random` seeded when it
 * starts, since Effect's default one was seeded when the modules were evaluated (the same in
 * every sandbox restored from one snapshot).
 *
 * @since 0.1.0
 * @category snapshot
 * @example
 * ```ts
 * import { LambdaRuntime } from "@effect-lambda/runtime"
 * import * as v8 from "node:v8"
 *
 * const hook: LambdaRuntime.StartHook = (start) => v8.startupSnapshot.setDeserializeMainFunction(start)
 * Object.assign(globalThis, { [LambdaRuntime.startHook]: hook })
 * ```
 */
export const startHook: unique symbol = Symbol.for("@effect-lambda/runtime/LambdaRuntime/startHook")

/**
 * Receives the start of the runtime (see `startHook`) and calls it exactly once, later.
 *
 * @since 0.1.0
 * @category snapshot
 */
export type StartHook = (start: () => void) => void

// A hook is used once: the start it receives is the only one.
const takeStartHook = (): StartHook | undefined => {
  const holder = globalThis as { [startHook]?: unknown }
  const hook = holder[startHook]
  if (typeof hook !== "function") return undefined
  delete holder[startHook]
  return hook as StartHook
}

/**
 * Runs a function as the main program of the process (the file `bootstrap` starts): the live
 * Runtime API client from `AWS_LAMBDA_RUNTIME_API` and `AWS_LAMBDA_MAX_CONCURRENCY`
 * (`RuntimeApi.layerConfig`), Lambda's log format, SIGTERM handling (the running invocation is
 * reported, finalizers run, exit 0) and a non-zero exit on a fatal error (a 500 container error
 * exits within a second).
 *
 * @since 0.1.0
 * @category running
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
 *
 * const handler = Handler.make({ handle: (event) => Effect.succeed({ received: event }) })
 *
 * LambdaRuntime.runMain(handler, Layer.empty)
 * ```
 */
export const runMain = <const H extends Handlers, ROut, E>(
  handlers:
    & H
    & ([Exclude<HandlersContext<H>, ROut>] extends [never] ? unknown
      : { readonly "missing services": Exclude<HandlersContext<H>, ROut> }),
  layer: Layer.Layer<ROut, E, FunctionConfig.FunctionConfig>,
  options: RunOptions = {}
): void => {
  // Everything that reads the environment or touches the process happens at start (with
  // `--snapshot` that is after the blob is restored, in the sandbox), not when this is called.
  const start = (seeded: boolean) => {
    if (options.sourceMaps !== false) SourceMaps.install()
    const address = process.env.AWS_LAMBDA_RUNTIME_API
    if (address !== undefined && address !== "") Crash.install(address)
    const runOptions: RunOptions = {
      ...options,
      patchConsole: options.patchConsole ?? true,
      finalizerTimeoutMs: options.finalizerTimeoutMs ?? GracefulShutdown.runtimeBudgetMs()
    }
    // The internal extension registers first, before the runtime's first `next`, and its pending
    // `event/next` lives as long as the runtime.
    const withShutdownExtension = <A, E2, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R> =>
      options.gracefulShutdown === false || address === undefined || address === ""
        ? self
        : Effect.scoped(Effect.zipRight(
          GracefulShutdown.register(address).pipe(
            Effect.provide(LambdaLogger.layerWith({
              logFormat: process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON" ? "JSON" : "Text",
              logLevel: LogLevel.All
            }))
          ),
          self
        ))
    // The environment read without effect/Config when every value in it parses (~6 ms of a cold
    // start, see FunctionConfig.fromEnv); otherwise through it, for the same ConfigError as `run`.
    const preread = Option.getOrUndefined(FunctionConfig.fromEnv(process.env))
    const program: Effect.Effect<never, RunError | ConfigError.ConfigError> = runWith<H, ROut, E>(
      handlers,
      layer,
      runOptions,
      preread
    ).pipe(
      Effect.provide(
        preread === undefined
          ? RuntimeApi.layerConfig
          : RuntimeApi.layerAddress(preread.runtimeApi, preread.maxConcurrency)
      ),
      // Without a Runtime API there is no /init/error to report to: say so on stderr, exit 1.
      Effect.tapError((error) =>
        ConfigError.isConfigError(error)
          ? Effect.sync(() =>
            process.stderr.write(
              "effect-lambda: AWS_LAMBDA_RUNTIME_API is not set: this program runs inside Lambda or an emulator\n"
            )
          )
          : Effect.void
      ),
      withShutdownExtension
    ) as Effect.Effect<never, RunError | ConfigError.ConfigError>
    const main = seeded ? Effect.withRandom(program, Random.make((Math.random() * 4294967296) >>> 0)) : program
    NodeRuntime.runMain(main, { disablePrettyLogger: true, disableErrorReporting: true })
  }
  const hook = takeStartHook()
  if (hook === undefined) return start(false)
  hook(() => start(true))
}
