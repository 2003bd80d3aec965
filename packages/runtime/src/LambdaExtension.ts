/**
 * External Lambda extensions written as Effect programs.
 *
 * An external extension is an executable in `/opt/extensions` (a layer) that Lambda starts before
 * the runtime. `runMain` registers it, builds its `Layer` once (init), then runs its event loop in
 * a supervised fiber: each `INVOKE` runs `onInvoke`, the `SHUTDOWN` event runs `onShutdown` and
 * then the layer's finalizers, both within the event's deadline, and the process exits 0.
 * A failure at init is posted to `/extension/init/error`, a later one to `/extension/exit/error`,
 * and the process exits non-zero; a 500 from the API stops it at once, as AWS's documentation asks.
 *
 * @since 0.1.0
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { LambdaExtension } from "@effect-lambda/runtime"
 *
 * const extension = LambdaExtension.make({
 *   name: "count-invocations",
 *   onInvoke: (event) => Effect.log(`invocation ${event.requestId}`),
 *   onShutdown: (event) => Effect.log(`shutting down: ${event.shutdownReason}`)
 * })
 *
 * LambdaExtension.runMain(extension, Layer.empty)
 * ```
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as ErrorReport from "./ErrorReport.js"
import * as ExtensionsApi from "./ExtensionsApi.js"
import * as ExtensionsApiError from "./ExtensionsApiError.js"
import * as SourceMaps from "./internal/sourceMaps.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/LambdaExtension")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * An extension: its name (the file name of its executable in `/opt/extensions`) and what it does
 * on each event. It always subscribes to `SHUTDOWN`, and to `INVOKE` when it has `onInvoke`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Extension<E = never, R = never> {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly events: ReadonlyArray<ExtensionsApi.EventType>
  readonly acceptAccountId: boolean
  readonly onInvoke: (event: ExtensionsApi.InvokeEvent) => Effect.Effect<void, E, R>
  readonly onShutdown: (event: ExtensionsApi.ShutdownEvent) => Effect.Effect<void, E, R>
}

/**
 * The extension's registration (identifier, function name, version, handler), for its layer and
 * handlers: a Telemetry API subscription needs the identifier.
 *
 * @since 0.1.0
 * @category tags
 */
export class Registration extends Context.Tag("@effect-lambda/runtime/LambdaExtension/Registration")<
  Registration,
  ExtensionsApi.Registration
>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = never, R = never>(options: {
  readonly name: string
  readonly onInvoke?: (event: ExtensionsApi.InvokeEvent) => Effect.Effect<void, E, R>
  readonly onShutdown?: (event: ExtensionsApi.ShutdownEvent) => Effect.Effect<void, E, R>
  /** Ask Lambda for the account id in the registration. */
  readonly acceptAccountId?: boolean
}): Extension<E, R> => ({
  [TypeId]: TypeId,
  name: options.name,
  events: options.onInvoke === undefined ? ["SHUTDOWN"] : ["INVOKE", "SHUTDOWN"],
  acceptAccountId: options.acceptAccountId === true,
  onInvoke: options.onInvoke ?? (() => Effect.void),
  onShutdown: options.onShutdown ?? (() => Effect.void)
})

/**
 * @since 0.1.0
 * @category refinements
 */
export const isExtension = (u: unknown): u is Extension<unknown, unknown> => Predicate.hasProperty(u, TypeId)

/**
 * The extension failed in `phase`; the failure was posted to `/extension/init/error` or
 * `/extension/exit/error` (when the API could be reached) as `errorType`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExtensionFailed extends Schema.TaggedError<ExtensionFailed>()("ExtensionFailed", {
  phase: Schema.Literal("register", "init", "invoke", "shutdown"),
  errorType: Schema.String,
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isExtensionFailed = (u: unknown): u is ExtensionFailed =>
  Predicate.hasProperty(u, TypeId) && u instanceof ExtensionFailed

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /**
   * Kept free before the SHUTDOWN deadline, so the process has exited when Lambda's deadline
   * comes (Lambda sends SIGKILL then). Default 50 ms.
   */
  readonly shutdownMarginMs?: number
}

/** `Extension.<Reason>`: the form Lambda expects in `Lambda-Extension-Function-Error-Type`. */
const errorDetails = (cause: Cause.Cause<unknown>): ExtensionsApi.ErrorDetails => {
  const report = ErrorReport.fromCause(cause)
  return {
    errorType: `Extension.${ErrorReport.sanitiseTag(report.errorType)}`,
    errorMessage: report.errorMessage,
    stackTrace: report.stackTrace
  }
}

/**
 * Runs an extension in the current process: register, build `layer` (init), then the event loop
 * in its own fiber until SHUTDOWN. Succeeds after SHUTDOWN was handled and the layer released;
 * fails with `ExtensionFailed` after reporting a failure, or with the Extensions API's error.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E, R, ROut, E2>(
  extension: Extension<E, R>,
  layer: Layer.Layer<ROut, E2, ExtensionsApi.ExtensionsApi | Registration>,
  options: RunOptions = {}
): Effect.Effect<
  void,
  ExtensionFailed | ExtensionsApiError.ExtensionsApiError,
  ExtensionsApi.ExtensionsApi | Exclude<R, ROut | ExtensionsApi.ExtensionsApi | Registration>
> =>
  Effect.gen(function*() {
    const api = yield* ExtensionsApi.ExtensionsApi
    const margin = options.shutdownMarginMs ?? 50
    const registration = yield* api.register(extension.name, extension.events, {
      acceptAccountId: extension.acceptAccountId
    })
    const identifier = registration.identifier

    // Posts the failure, then fails with it. A 500 is not reported: the environment is gone.
    const report = (
      phase: ExtensionFailed["phase"],
      cause: Cause.Cause<unknown>
    ): Effect.Effect<never, ExtensionFailed | ExtensionsApiError.ContainerError> => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some" && ExtensionsApiError.isContainerError(failure.value)) {
        return Effect.fail(failure.value)
      }
      const details = errorDetails(cause)
      const post = phase === "init" ? api.initError : api.exitError
      return Effect.logError(`${phase} failed`, cause).pipe(
        Effect.zipRight(Effect.ignore(post(identifier, details))),
        Effect.zipRight(
          Effect.fail(new ExtensionFailed({ phase, errorType: details.errorType, message: details.errorMessage ?? "" }))
        )
      )
    }

    const scope = yield* Scope.make()
    const services = Context.make(ExtensionsApi.ExtensionsApi, api).pipe(Context.add(Registration, registration))
    const context = yield* Layer.buildWithScope(layer, scope).pipe(
      Effect.provide(services),
      Effect.catchAllCause((cause) => Effect.zipRight(Scope.close(scope, Exit.failCause(cause)), report("init", cause)))
    )
    const provided = <A, EE>(effect: Effect.Effect<A, EE, any>) =>
      effect.pipe(Effect.provide(context), Effect.provide(services)) as Effect.Effect<A, EE>

    // The event loop: its own fiber, supervised here. It ends with the SHUTDOWN event.
    const eventLoop = Effect.gen(function*() {
      while (true) {
        const event = yield* api.nextEvent(identifier)
        if (event.eventType === "SHUTDOWN") return event
        yield* Effect.catchAllCause(provided(extension.onInvoke(event)), (cause) => report("invoke", cause))
      }
    })
    const loopFiber = yield* Effect.fork(eventLoop)
    const shutdown = yield* Fiber.join(loopFiber).pipe(
      Effect.onInterrupt(() => Scope.close(scope, Exit.void).pipe(Effect.timeoutOption(Duration.millis(500)))),
      Effect.tapErrorCause((cause) =>
        Scope.close(scope, Exit.failCause(cause)).pipe(Effect.timeoutOption(Duration.millis(500)))
      )
    )

    // SHUTDOWN: the handler, then the layer's finalizers, all before the deadline.
    const remaining = () => Math.max(0, shutdown.deadlineMs - margin - Date.now())
    const handled = yield* provided(extension.onShutdown(shutdown)).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(remaining()),
        onTimeout: () => new Cause.TimeoutException("onShutdown did not finish before the SHUTDOWN deadline")
      }),
      Effect.exit
    )
    const closed = yield* Scope.close(scope, handled).pipe(Effect.timeoutOption(Duration.millis(remaining())))
    if (closed._tag === "None") yield* Effect.logWarning("finalizers did not finish before the SHUTDOWN deadline")
    if (Exit.isFailure(handled)) return yield* report("shutdown", handled.cause)
  }) as any

/**
 * Runs an extension as the main program of its process: the live Extensions API client from
 * `AWS_LAMBDA_RUNTIME_API`, logs as `logfmt` lines, SIGTERM/SIGINT handled (finalizers run), exit
 * 0 after SHUTDOWN, non-zero after a failure (reported to Lambda first).
 *
 * @since 0.1.0
 * @category running
 */
export const runMain = <E, R, ROut, E2>(
  extension:
    & Extension<E, R>
    & (
      [Exclude<R, ROut | ExtensionsApi.ExtensionsApi | Registration>] extends [never] ? unknown
        : { readonly "missing services": Exclude<R, ROut | ExtensionsApi.ExtensionsApi | Registration> }
    ),
  layer: Layer.Layer<ROut, E2, ExtensionsApi.ExtensionsApi | Registration>,
  options: RunOptions = {}
): void => {
  SourceMaps.install()
  const program = run(extension as Extension<E, R>, layer, options).pipe(
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logFatal(`extension ${extension.name} stopped`, cause)
    ),
    Effect.provide(ExtensionsApi.layer),
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleLog(Logger.logfmtLogger)))
  ) as Effect.Effect<void, unknown>
  NodeRuntime.runMain(program, {
    disablePrettyLogger: true,
    disableErrorReporting: true,
    // Exit as soon as the program is done: after SHUTDOWN nothing else may keep the process up.
    teardown: (exit, onExit) => {
      const code = Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? 1 : 0
      onExit(code)
      process.exit(code)
    }
  })
}
