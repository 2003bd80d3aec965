/**
 * One invocation: decode -> handle -> encode in the handler's own fiber, under its deadline,
 * then exactly one report (`report.ts`).
 *
 * The hot path: a handler that does not wait on anything is done before `Runtime.runFork`
 * returns (Effect starts a fiber at once; pinned by `test/effectInternals.test.ts`), so it costs
 * no scheduling round trip and no deadline timer.
 *
 * @internal
 */
import { InvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRefs from "effect/FiberRefs"
import * as Runtime from "effect/Runtime"
import type * as Scheduler from "effect/Scheduler"
import * as ErrorReport from "../ErrorReport.js"
import type * as FunctionConfig from "../FunctionConfig.js"
import type * as Handler from "../Handler.js"
import type { Invocation } from "../Invocation.js"
import * as InvocationHooks from "../InvocationHooks.js"
import * as LambdaContext from "../LambdaContext.js"
import * as LambdaLogger from "../LambdaLogger.js"
import type * as ResponseStream from "../ResponseStream.js"
import type * as RuntimeApi from "../RuntimeApi.js"
import type { RuntimeApiError } from "../RuntimeApiError.js"
import * as Crash from "./crash.js"
import * as Deadline from "./deadline.js"
import type { AnyHandler } from "./handlers.js"
import type * as Report from "./report.js"
import * as TraceEnv from "./traceEnv.js"

/** Marks an invocation whose response was streamed (and so already sent) by its handler fiber. */
const STREAMED = { _tag: "Streamed" } as const

type Outcome = Handler.Buffered | typeof STREAMED

// `decode` is called on the loop's fiber, before the handler's starts: a decoder that throws
// (a handler of one's own, a Schema that overflows the stack) fails that invocation, not the loop.
const decode = (handler: AnyHandler, invocation: Invocation): Effect.Effect<unknown, unknown> => {
  try {
    return handler.decode(invocation)
  } catch (error) {
    return Effect.die(error)
  }
}

const { REQUEST_ID, TENANT_ID, X_RAY_TRACE_ID } = InvokeStoreBase.PROTECTED_KEYS

// What AWS's client puts in the invoke store for one invocation (and the tenant id, the store's
// own key for tenant-isolated functions).
const storeContext = (invocation: Invocation): Record<symbol, unknown> => {
  const context: Record<symbol, unknown> = { [REQUEST_ID]: invocation.requestId, [X_RAY_TRACE_ID]: invocation.traceId }
  if (invocation.tenantId !== undefined) context[TENANT_ID] = invocation.tenantId
  return context
}

// With several invocations at once the store is AsyncLocalStorage-based: code sees the context
// it was started in. A fiber is resumed by its scheduler's tasks, which run in whatever context
// scheduled the batch, so each task of this invocation's fibers (forked ones inherit the
// scheduler) runs inside the invocation's context: promises the handler starts then carry it.
const inStore = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  store: InvokeStoreBase,
  context: Record<symbol, unknown>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const base = fiber.currentScheduler
    const scheduler: Scheduler.Scheduler = {
      shouldYield: (f) => base.shouldYield(f),
      scheduleTask: (task, priority, f) => base.scheduleTask(() => store.run(context, task), priority, f)
    }
    return Effect.withScheduler(self, scheduler)
  })

/**
 * How an invocation started by `Invoker.start` goes on: its buffered response, for the loop to
 * post (the crash handler's claim is taken); nothing (the crash handler reported it); or the rest
 * of it as an Effect of the loop's fiber (waiting for the handler, the deadline, error reports,
 * a streamed response's end), which reports it exactly as `Invoker.invoke` would.
 *
 * @internal
 */
export type Started =
  | {
    readonly _tag: "Respond"
    readonly requestId: string
    readonly output: Handler.Buffered
    readonly context: LambdaContext.LambdaContextShape
  }
  | { readonly _tag: "Reported" }
  | { readonly _tag: "Continue"; readonly effect: Effect.Effect<void, RuntimeApiError> }

const REPORTED: Started = { _tag: "Reported" }

/**
 * The invocations of one loop. `invoke` is the whole of one invocation as an Effect; `start`
 * runs its synchronous beginning (the handler's fiber starts and, if it does not wait on
 * anything, ends) without Effect on the loop's side: the loop's fast path (`loop.ts`). `start`
 * gives undefined when it cannot be used yet (the invoke store not resolved): use `invoke`.
 *
 * @internal
 */
export interface Invoker {
  readonly invoke: (invocation: Invocation) => Effect.Effect<void, RuntimeApiError>
  readonly start: (invocation: Invocation) => Started | undefined
}

/**
 * What one loop needs to run invocations.
 *
 * @internal
 */
export interface Options {
  readonly api: RuntimeApi.RuntimeApiShape
  readonly handler: AnyHandler
  readonly config: FunctionConfig.FunctionConfig
  readonly reporter: Report.Reporter
  readonly clock: Clock.Clock
  /** How long before the deadline a handler still running is interrupted. */
  readonly deadlineMarginMs: number
}

/**
 * Builds the per-invocation program of one loop. `runtime` is the loop's (its services, logger
 * and Clock): the handler's fiber starts from it.
 *
 * @internal
 */
export const make = (options: Options): (runtime: Runtime.Runtime<unknown>) => Invoker => {
  const { api, clock, config, deadlineMarginMs, handler, reporter } = options
  const startTimer = Deadline.timer(clock)
  // With several invocations at once there is no single current trace id to put in the env.
  const setTrace = config.maxConcurrency === 1 ? TraceEnv.setter() : undefined
  // console.* lines of code outside the handler's fibers (timers, promise callbacks) get the
  // request id of their invocation: the one in progress, or with several at once, the one whose
  // fiber started them (LambdaLogger.invocationSupervisor).
  const concurrent = config.maxConcurrency > 1
  // The invoke store of @aws/lambda-invoke-store (the one a bundled copy already published in
  // `globalThis.awslambda`, or ours, published now, before the first `next`): libraries read the
  // current invocation from it (the AWS SDK's X-Ray trace header, Powertools), also with several
  // invocations at once, where no single `_X_AMZN_TRACE_ID` exists. Resolved long before the
  // first invocation; an invocation that would come first waits for it.
  let store: InvokeStoreBase | undefined
  const storeReady: Promise<unknown> = InvokeStore.getInstanceAsync().then(
    (instance) => store = instance,
    () => undefined
  )

  return (runtime) => {
    // The handler's fiber gets its LambdaContext from the runtime it is forked from: a fork sets
    // the fiber's context anyway, where `Effect.provideService` would cost an acquire/release and
    // two FiberRef writes (each a copy of the fiber's FiberRefs) per invocation (issue 16 profile:
    // ~4 KiB of the ~61 KiB allocated per invocation).
    const { fiberRefs, runtimeFlags } = runtime
    const runFork = (context: LambdaContext.LambdaContextShape, effect: Effect.Effect<Outcome, unknown, unknown>) =>
      Runtime.runFork(
        Runtime.make({
          context: Context.add(runtime.context, LambdaContext.LambdaContext, context),
          fiberRefs,
          runtimeFlags
        })
      )(effect)
    // The hooks the function's layer registered (InvocationHooks): none costs nothing per invocation.
    const hooked = InvocationHooks.compose(
      FiberRefs.getOrDefault(runtime.fiberRefs, InvocationHooks.currentInvocationHooks)
    )
    // Sets the invocation up and starts its handler's fiber; `done` is its exit if it finished at once.
    const begin = (invocation: Invocation) => {
      setTrace?.(invocation.traceId)
      // When the invocation was received: its time budget (for the timeout message) starts here.
      const receivedAtMs = clock.unsafeCurrentTimeMillis()
      const context = LambdaContext.make(invocation, config)
      if (!concurrent) LambdaLogger.beginInvocation(context)
      // A process-level crash from now on is reported for this invocation, once (crash.ts).
      Crash.begin(invocation.requestId)
      let timedOut = false
      // Set when a streamed body started: from then on its failures travel in its trailers.
      let streamOpened = false
      const streamOptions = (contentType: string): ResponseStream.Options<unknown> => ({
        contentType,
        onOpen: () => {
          streamOpened = true
        },
        errorReport: (cause) =>
          ErrorReport.fromCause(
            timedOut && Cause.isInterruptedOnly(cause) ? Deadline.timeoutCause(invocation, receivedAtMs) : cause
          )
      })
      const handled = decode(handler, invocation).pipe(
        Effect.flatMap(handler.handle),
        Effect.flatMap(handler.encode),
        // A streamed body is sent from inside the handler's fiber, so the deadline (and
        // shutdown) interrupt it like any handler code.
        Effect.flatMap((output): Effect.Effect<Outcome, unknown, unknown> =>
          output._tag === "Buffered"
            ? Effect.succeed(output)
            : Effect.as(
              api.respondStream(invocation.requestId, output.body, streamOptions(output.contentType)),
              STREAMED
            )
        )
      )
      const program = hooked === undefined ? handled : hooked(handled, context)
      const supervised = concurrent ? Effect.supervised(program, LambdaLogger.invocationSupervisor) : program
      const inStoreContext = store === undefined ? undefined : storeContext(invocation)
      const report = (exit: Exit.Exit<Outcome, unknown>): Effect.Effect<void, RuntimeApiError> => {
        // Already reported by the crash handler: the process is about to exit.
        if (!Crash.claim(invocation.requestId)) return Effect.void
        if (Exit.isSuccess(exit)) {
          return exit.value._tag === "Buffered" ? reporter.respond(invocation.requestId, exit.value) : Effect.void
        }
        if (streamOpened) return reporter.streamEnded(invocation.requestId, exit.cause)
        if (timedOut && Cause.isInterruptedOnly(exit.cause)) {
          return reporter.failure(invocation.requestId, Deadline.timeoutCause(invocation, receivedAtMs))
        }
        return reporter.failure(invocation.requestId, exit.cause)
      }
      // The handler's own fiber, started at once: a handler that does not wait on anything is
      // done before this returns, and only a handler still running needs a deadline timer.
      const fiber = inStoreContext === undefined
        ? runFork(context, supervised)
        : store!.run(
          inStoreContext,
          () => runFork(context, concurrent ? inStore(supervised, store!, inStoreContext) : supervised)
        )
      const done = fiber.unsafePoll()
      // What remains once the fiber started, on the loop's fiber: uninterruptible but for the wait.
      const rest = (restore: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) => {
        if (done !== null) return report(done)
        const delayMs = Math.max(0, invocation.deadlineMs - deadlineMarginMs - clock.unsafeCurrentTimeMillis())
        return Effect.flatMap(
          startTimer(delayMs, () => {
            timedOut = true
            fiber.unsafeInterruptAsFork(Deadline.interruptor)
          }),
          (cancelTimer) =>
            Effect.exit(restore(Fiber.await(fiber))).pipe(
              // If the loop itself is interrupted (SIGTERM), stop the handler but still report it.
              Effect.flatMap((awaited) =>
                Exit.isSuccess(awaited) ? Effect.succeed(awaited.value) : Fiber.interrupt(fiber)
              ),
              Effect.flatMap((exit) => {
                cancelTimer()
                return report(exit)
              })
            )
        )
      }
      return { context, done, rest }
    }
    const invoke = (invocation: Invocation): Effect.Effect<void, RuntimeApiError> =>
      Effect.uninterruptibleMask((restore) => {
        const { context, rest } = begin(invocation)
        return Effect.provideService(rest(restore), LambdaContext.LambdaContext, context)
      })
    const start = (invocation: Invocation): Started => {
      const { context, done, rest } = begin(invocation)
      if (done !== null && Exit.isSuccess(done) && done.value._tag === "Buffered") {
        // Already reported by the crash handler: the process is about to exit.
        if (!Crash.claim(invocation.requestId)) return REPORTED
        return { _tag: "Respond", requestId: invocation.requestId, output: done.value, context }
      }
      return {
        _tag: "Continue",
        effect: Effect.provideService(Effect.uninterruptibleMask(rest), LambdaContext.LambdaContext, context)
      }
    }
    let waited = false
    return {
      invoke: (invocation) => {
        if (store !== undefined || waited) return invoke(invocation)
        return Effect.flatMap(Effect.promise(() => storeReady), () => {
          waited = true
          return invoke(invocation)
        })
      },
      start: (invocation) => (store !== undefined || waited ? start(invocation) : undefined)
    }
  }
}
