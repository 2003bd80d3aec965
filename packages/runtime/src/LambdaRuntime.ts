/**
 * The runtime: init once, then the invocation loop, forever.
 *
 * environment -> config -> layers -> loop -> (next -> context -> handler -> report) forever.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as ErrorReport from "./ErrorReport.js"
import * as TraceEnv from "./internal/traceEnv.js"
import * as FunctionConfig from "./FunctionConfig.js"
import type * as Handler from "./Handler.js"
import { isHandler } from "./Handler.js"
import { NoSuchHandler, ResponseSizeTooLarge, TimeoutError } from "./HandlerError.js"
import type { Invocation } from "./Invocation.js"
import * as LambdaContext from "./LambdaContext.js"
import * as LambdaLogger from "./LambdaLogger.js"
import * as RuntimeApi from "./RuntimeApi.js"
import { type InvalidInvocation, isRuntimeApiError, type RuntimeApiError } from "./RuntimeApiError.js"

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
  /** Bound on the finalizers of the user's layer at shutdown. Default 500 ms. */
  readonly finalizerTimeoutMs?: number
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
export type HandlersContext<H> = H extends Handler.Handler<any, any, any, infer R>
  ? Exclude<R, LambdaContext.LambdaContext | FunctionConfig.FunctionConfig>
  : H extends Readonly<Record<string, infer A>> ? HandlersContext<A>
  : never

const selectHandler = (handlers: Handlers, name: string): Either.Either<Handler.Handler.Any, NoSuchHandler> => {
  if (isHandler(handlers)) return Either.right(handlers)
  const table = handlers as Readonly<Record<string, Handler.Handler.Any>>
  const available = Object.keys(table)
  if (name === "" && available.length === 1) return Either.right(table[available[0]!]!)
  const candidates = [name, name.slice(name.lastIndexOf(".") + 1)]
  for (const candidate of candidates) {
    const found = Object.hasOwn(table, candidate) ? table[candidate] : undefined
    if (found !== undefined && isHandler(found)) return Either.right(found)
  }
  return Either.left(
    new NoSuchHandler({
      handler: name,
      available,
      message: name === ""
        ? `_HANDLER is not set and the function has ${available.length} handlers: ${available.join(", ")}`
        : `no handler named ${JSON.stringify(name)}; the function has: ${available.join(", ")}`
    })
  )
}

const timeoutCause = (invocation: Invocation) =>
  Cause.fail(
    new TimeoutError({
      message: `Task timed out: the invocation reached its deadline (${new Date(invocation.deadlineMs).toISOString()})`
    })
  )

/** Marks an invocation whose response was streamed (and so already sent) by its handler fiber. */
const STREAMED = { _tag: "Streamed" } as const

/** The one place a fatal Runtime API error is told apart from one the loop survives. */
const isFatal = (error: RuntimeApiError): boolean => error._tag === "ContainerError"

const LIVE_CLOCK_PROTOTYPE = Object.getPrototypeOf(Clock.make())
const MAX_TIMER_MS = 2 ** 31 - 1
const noop = () => {}

/**
 * The invocation loop: next -> context -> handler -> exactly one report, forever. Only a fatal
 * Runtime API error (500, or `next` failing twice in a row) ends it.
 */
const loop = (
  api: RuntimeApi.RuntimeApiShape,
  handler: Handler.Handler.Any,
  config: FunctionConfig.FunctionConfig,
  options: RunOptions,
  clock: Clock.Clock
): Effect.Effect<never, RuntimeApiError, any> => {
  const margin = options.deadlineMarginMs ?? 50
  const liveClock = Object.getPrototypeOf(clock) === LIVE_CLOCK_PROTOTYPE
  // With several invocations at once there is no single current trace id to put in the env.
  const setTrace = config.maxConcurrency === 1 ? TraceEnv.setter() : undefined
  const deadlineInterrupter = FiberId.make(-1, 0)

  const sendReport = (
    invocation: Invocation,
    report: Effect.Effect<void, RuntimeApiError>
  ): Effect.Effect<void, RuntimeApiError> =>
    Effect.catchAll(report, (error) =>
      isFatal(error)
        ? Effect.fail(error)
        : Effect.logWarning(`Runtime API refused the report for ${invocation.requestId}: ${error._tag}: ${error.message}`))

  const reportFailure = (invocation: Invocation, cause: Cause.Cause<unknown>) => {
    const report = ErrorReport.fromCause(cause)
    return Effect.zipRight(
      Effect.logError(`Invoke Error\t${ErrorReport.toBody(report)}`),
      sendReport(invocation, api.fail(invocation.requestId, report))
    )
  }

  const respond = (invocation: Invocation, output: Handler.Buffered) =>
    Effect.catchAll(
      api.respond(invocation.requestId, output.body, output.contentType),
      (error) =>
        error._tag === "PayloadTooLarge"
          ? reportFailure(
            invocation,
            Cause.fail(new ResponseSizeTooLarge({ message: `Response payload size (${error.size} bytes) exceeded the maximum allowed payload size: ${error.message}` }))
          )
          : sendReport(invocation, Effect.fail(error))
    )

  // The deadline: one plain timer per invocation when the Clock is the live one (a forked timer
  // fiber, or `Effect.timeout`, costs more CPU than the rest of the invocation), and a fiber
  // sleeping on the Clock otherwise, so `TestClock` drives deadlines in tests.
  const startDeadlineTimer = (
    delayMs: number,
    onDeadline: () => void
  ): Effect.Effect<() => void> => {
    if (liveClock) {
      // Past the largest timer delay (~24.8 days) the deadline is as good as none.
      if (delayMs > MAX_TIMER_MS) return Effect.succeed(noop)
      return Effect.sync(() => {
        const handle = setTimeout(onDeadline, delayMs)
        return () => clearTimeout(handle)
      })
    }
    return Effect.map(
      Effect.fork(Effect.interruptible(Effect.zipRight(Effect.sleep(Duration.millis(delayMs)), Effect.sync(onDeadline)))),
      (timer) => () => timer.unsafeInterruptAsFork(deadlineInterrupter)
    )
  }

  const invoke = (runtime: Runtime.Runtime<any>) => (invocation: Invocation): Effect.Effect<void, RuntimeApiError, any> => {
    setTrace?.(invocation.traceId)
    const context = LambdaContext.make(invocation, config)
    let timedOut = false
    // Set when a streamed body started: from then on its failures travel in its trailers.
    let streamOpened = false
    const streamOptions = (contentType: string) => ({
      contentType,
      onOpen: () => {
        streamOpened = true
      },
      errorReport: (cause: Cause.Cause<unknown>) =>
        ErrorReport.fromCause(timedOut && Cause.isInterruptedOnly(cause) ? timeoutCause(invocation) : cause)
    })
    const program = handler.decode(invocation).pipe(
      Effect.flatMap(handler.handle),
      Effect.flatMap(handler.encode),
      // A streamed body is sent from inside the handler's fiber, so the deadline (and
      // shutdown) interrupt it like any handler code.
      Effect.flatMap((output: Handler.Output): Effect.Effect<Handler.Buffered | typeof STREAMED, unknown, unknown> =>
        output._tag === "Buffered"
          ? Effect.succeed(output)
          : Effect.as(api.respondStream(invocation.requestId, output.body, streamOptions(output.contentType)), STREAMED)
      ),
      Effect.provideService(LambdaContext.LambdaContext, context)
    )
    const report = (exit: Exit.Exit<Handler.Buffered | typeof STREAMED, unknown>) => {
      if (Exit.isSuccess(exit)) return exit.value._tag === "Buffered" ? respond(invocation, exit.value) : Effect.void
      if (streamOpened) return streamEnded(invocation, exit.cause)
      if (timedOut && Cause.isInterruptedOnly(exit.cause)) return reportFailure(invocation, timeoutCause(invocation))
      return reportFailure(invocation, exit.cause)
    }
    return Effect.uninterruptibleMask((restore) => {
      // The handler's own fiber, started at once on the loop's runtime (its services, logger and
      // Clock): a handler that does not wait on anything is done before this returns, with no
      // scheduling round trip, and only a handler still running needs a deadline timer.
      const fiber = Runtime.runFork(runtime)(program)
      const done = fiber.unsafePoll()
      if (done !== null) return report(done)
      const delayMs = Math.max(0, invocation.deadlineMs - margin - clock.unsafeCurrentTimeMillis())
      return Effect.flatMap(
        startDeadlineTimer(delayMs, () => {
          timedOut = true
          fiber.unsafeInterruptAsFork(deadlineInterrupter)
        }),
        (cancelTimer) =>
          Effect.exit(restore(Fiber.await(fiber))).pipe(
            // If the loop itself is interrupted (SIGTERM), stop the handler but still report it.
            Effect.flatMap((awaited) => Exit.isSuccess(awaited) ? Effect.succeed(awaited.value) : Fiber.interrupt(fiber)),
            Effect.flatMap((exit) => {
              cancelTimer()
              return report(exit)
            })
          )
      )
    }).pipe(Effect.provideService(LambdaContext.LambdaContext, context))
  }

  // A streamed response that ended in failure was already reported in its trailers, or its
  // connection broke and nothing more can be sent for it: only a 500 still matters.
  const streamEnded = (invocation: Invocation, cause: Cause.Cause<unknown>) => {
    const failure = Cause.failureOption(cause)
    // Known by TypeId: a user's stream failing with its own `ContainerError` was reported in the trailers.
    if (Option.isSome(failure) && isRuntimeApiError(failure.value)) {
      return isFatal(failure.value)
        ? Effect.fail(failure.value)
        : Effect.logWarning(`streamed response for ${invocation.requestId} ended early: ${failure.value._tag}: ${failure.value.message}`)
    }
    return Effect.void
  }

  // A `next` answer that is not an invocation: no handler runs, but if it named a request id
  // that invocation still gets exactly one (error) report.
  const skipInvalid = (error: InvalidInvocation) =>
    Effect.zipRight(
      Effect.logError(`Invalid invocation from the Runtime API: ${error.message}`),
      error.requestId === undefined
        ? Effect.void
        : sendReport(
          { requestId: error.requestId } as Invocation,
          api.fail(error.requestId, {
            header: "Runtime.UnknownReason",
            errorType: "InvalidInvocation",
            errorMessage: error.message,
            stackTrace: []
          })
        )
    )

  const serve = Effect.flatMap(Effect.runtime<any>(), (runtime) => {
    const step = Effect.matchEffect(api.next, {
      onFailure: (error): Effect.Effect<void, RuntimeApiError> =>
        error._tag === "InvalidInvocation" ? skipInvalid(error) : Effect.fail(error),
      onSuccess: invoke(runtime)
    })
    return Effect.forever(step)
  })
  // The loop reports handler failures itself: their fibers must not also log them as unhandled
  // (a fiber reads this ref when it ends, so it is set here, in the runtime they start from).
  return Effect.locally(serve, FiberRef.unhandledErrorLogLevel, Option.none())
}

// How init problems are logged before the configuration (and so the log format) is known.
const INIT_LOGGING = { logFormat: "Text", logLevel: LogLevel.All } as const

const describeStop = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && "message" in error
    ? `${String(error._tag)}: ${String(error.message)}`
    : String(error)

const reportInit = (api: RuntimeApi.RuntimeApiShape, cause: Cause.Cause<unknown>) => {
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
  Effect.gen(function*() {
    const api = yield* RuntimeApi.RuntimeApi
    const config = yield* Effect.catchAllCause(
      FunctionConfig.config,
      (cause) => reportInit(api, cause).pipe(Effect.provide(LambdaLogger.layerWith(INIT_LOGGING)))
    )
    const scope = yield* Scope.make()
    const serve = Effect.gen(function*() {
      const handler = yield* Effect.catchAllCause(selectHandler(handlers, config.handler), (cause) => reportInit(api, cause))
      const context = yield* Layer.buildWithScope(layer, scope).pipe(
        Effect.provideService(FunctionConfig.FunctionConfig, config),
        Effect.catchAllCause((cause) => reportInit(api, cause))
      )
      const clock = yield* Effect.clock
      const oneLoop = loop(api, handler, config, options, clock).pipe(
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
        Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logFatal(`runtime stopped: ${describeStop(Cause.squash(cause))}`)
      ),
      Effect.onExit((exit) =>
        Scope.close(scope, exit).pipe(
          Effect.timeoutOption(Duration.millis(options.finalizerTimeoutMs ?? 500)),
          Effect.flatMap((done) =>
            done._tag === "None" ? Effect.logWarning("finalizers did not finish in time; stopping anyway") : Effect.void
          )
        )
      ),
      Effect.provide(LambdaLogger.layerWith(config))
    )
  }) as any

/**
 * Runs a function as the main program of the process (the file `bootstrap` starts): the live
 * Runtime API client from `AWS_LAMBDA_RUNTIME_API`, Lambda's log format, SIGTERM handling
 * (the running invocation is reported, finalizers run, exit 0) and a non-zero exit on a fatal
 * error (a 500 container error exits within a second).
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
  handlers: H & ([Exclude<HandlersContext<H>, ROut>] extends [never] ? unknown : { readonly "missing services": Exclude<HandlersContext<H>, ROut> }),
  layer: Layer.Layer<ROut, E, FunctionConfig.FunctionConfig>,
  options: RunOptions = {}
): void => {
  const address = process.env.AWS_LAMBDA_RUNTIME_API
  if (address === undefined || address === "") {
    process.stderr.write("effect-lambda: AWS_LAMBDA_RUNTIME_API is not set: this program runs inside Lambda or an emulator\n")
    process.exit(1)
  }
  const concurrency = Number(process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? "1")
  const program = run(handlers, layer, options).pipe(
    // A bad AWS_LAMBDA_MAX_CONCURRENCY is reported by `run` as Runtime.ConfigInvalid: the client only needs a sane bound.
    Effect.provide(RuntimeApi.layerAddress(address, Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 1))
  ) as Effect.Effect<never, RunError>
  NodeRuntime.runMain(program, { disablePrettyLogger: true, disableErrorReporting: true })
}
