/**
 * The extensions of the function's execution environment, as Lambda runs them: the external ones
 * (executables in the function folder's `extensions/`, Lambda's `/opt/extensions`) are started
 * before the runtime with its environment and must register first; internal ones register from
 * the runtime's process during init. Init is done when the runtime and every registered extension
 * asked for their next event; each invocation is delivered as `INVOKE` to its subscribers and is
 * done when they asked again; at shutdown the runtime gets SIGTERM only when an extension
 * registered (SIGKILL otherwise) and external subscribers get `SHUTDOWN` within Lambda's 2,000 ms.
 *
 * One `Sandbox` holds the extensions of one runtime generation; a restart (crash, timeout, init
 * error) shuts it down and starts a new one, as Lambda resets the environment.
 *
 * The dispatcher, the Runtime API and the supervisor reach the host through the small hooks at
 * the end of this module, which do nothing when no host is provided.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as memory from "./memory.js"
import * as model from "./model.js"
import { forwardLines, signalGroup, spawnGroup } from "./supervisor.js"

export type EventType = "INVOKE" | "SHUTDOWN"

const eventTypes: ReadonlyArray<unknown> = ["INVOKE", "SHUTDOWN"] satisfies ReadonlyArray<EventType>

/** Whether a registration's event name is one the Extensions API knows. */
export const isEventType = (event: unknown): event is EventType => eventTypes.includes(event)

/** RAPID's agent states, by the names Lambda prints and puts in its error messages. */
export type State =
  | "Started"
  | "Registered"
  | "Ready"
  | "Running"
  | "InitError"
  | "ExitError"
  | "ShutdownFailed"
  | "Exited"
  | "LaunchError"

/** Lambda's limit on extensions per function (RAPID `MaxAgentsAllowed`). */
export const maxExtensions = 10

export type ShutdownReason = "spindown" | "timeout" | "failure"

export interface Extension {
  readonly id: string
  readonly name: string
  readonly external: boolean
  events: ReadonlyArray<EventType>
  state: State
  errorType: string | undefined
  /** Events not yet taken by an `event/next`. */
  readonly inbox: Array<Record<string, unknown>>
  /** The external process is gone: nothing waits for it any more. */
  gone: boolean
}

/** An executable of `extensions/`, started before the runtime. */
interface External {
  readonly name: string
  readonly pid: number | undefined
  readonly exited: Deferred.Deferred<model.ExitInfo>
  extension: Extension | undefined
  launchError: string | undefined
}

/** The extensions of one execution environment (one runtime generation). */
export interface Sandbox {
  readonly externals: Map<string, External>
  /** In registration order. */
  readonly extensions: Array<Extension>
  /** Internal extensions may register until the runtime's first `next`. */
  registrationOpen: boolean
  initDone: boolean
  /** What failed init (an extension's init error, crash or launch error), once known. */
  failure: model.Outcome | undefined
  generation: model.Generation | undefined
  ended: boolean
  /** Settled when the shutdown under way is done; a second caller waits for it. */
  closing: Deferred.Deferred<void> | undefined
  /** Deadline (epoch ms) of each invocation delivered as INVOKE, by request id. */
  readonly invocations: Map<string, number>
  /** `performance.now()` when the sandbox's init started. */
  readonly startedAt: number
}

/** What the host needs of the supervisor to signal the runtime. */
export interface RuntimeSignals {
  /** SIGKILL, then wait for the exit. */
  readonly kill: (generation: model.Generation) => Effect.Effect<void>
  /** SIGTERM, SIGKILL after `grace`, then wait for the exit. */
  readonly stop: (generation: model.Generation, grace: Duration.Duration) => Effect.Effect<void>
}

export type TelemetryCategory = "platform" | "function" | "extension"

/** A validated Telemetry API subscription. */
export interface TelemetrySubscription {
  readonly types: ReadonlyArray<TelemetryCategory>
  /** Of `http://sandbox.localdomain:<port>/<path>`, delivered to 127.0.0.1. */
  readonly port: number
  readonly pathname: string
  readonly buffering: { readonly maxItems: number; readonly maxBytes: number; readonly timeoutMs: number }
}

/** The Telemetry API's delivery (telemetryApi.ts), fed by the host, the runtime's output and the model's events. */
export interface Telemetry {
  /** Records an event of `category` for the current sandbox's subscribers. */
  readonly emit: (category: TelemetryCategory, type: string, record: unknown) => void
  readonly subscribe: (sandbox: Sandbox, name: string, subscription: TelemetrySubscription) => void
  /** Sends what is buffered for the sandbox's subscribers (at shutdown), then forgets them. */
  readonly close: (sandbox: Sandbox) => Effect.Effect<void>
}

export interface HostOptions {
  readonly config: model.Config
  /** The function folder; its `extensions/` holds the external extensions. Undefined: none. */
  readonly functionDir: string | undefined
  /** The runtime's environment, which external extensions get too. */
  readonly env: () => Readonly<Record<string, string>>
  /** Lambda's shutdown budget in all (2,000 ms). */
  readonly shutdownBudget: Duration.Duration
  readonly log: (line: string) => void
  /** An external extension's output line (forwarded with the function's logs). */
  readonly onExtensionLog: (line: string) => void
  readonly telemetry: Telemetry
}

export interface ExtensionsHost {
  readonly options: HostOptions
  readonly telemetry: Telemetry
  /** The sandbox of the live (or last) generation. */
  readonly current: () => Sandbox | undefined
  /** The sandbox an extension registers in: the current one, made when an external runtime has none. */
  readonly sandboxForRegistration: () => Sandbox
  readonly find: (id: string) => { readonly sandbox: Sandbox; readonly extension: Extension } | undefined
  /** Adds a registered extension; wakes every waiter. */
  readonly add: (sandbox: Sandbox, extension: Extension) => void
  /** Tells waiters that some state changed. */
  readonly notify: () => void
  /** Waits until `condition` holds, re-checking after each change. */
  readonly waitUntil: (condition: () => boolean) => Effect.Effect<void>
  /** Marks init failed (an extension's error) and tells the runtime's generation. */
  readonly fail: (sandbox: Sandbox, outcome: model.Outcome) => Effect.Effect<void>

  /** Before a new runtime starts: shuts the last sandbox down, starts the external extensions, waits for their registration. */
  readonly prepare: (previous: model.Generation | undefined, signals: RuntimeSignals) => Effect.Effect<void>
  /** The runtime of the prepared sandbox started. */
  readonly attach: (generation: model.Generation) => Effect.Effect<void>
  /** The runtime asked for its next invocation: the first time, init waits for the extensions. */
  readonly runtimeNext: (generation: model.Generation | undefined) => Effect.Effect<void>
  /** The runtime took `invocation`: INVOKE goes to its subscribers. */
  readonly invoke: (invocation: model.Invocation, deadlineMs: number, functionArn: string) => Effect.Effect<void>
  /** Waits until the INVOKE subscribers asked for their next event again (bounded by the invocation's deadline). */
  readonly invocationDone: (invocation: model.Invocation) => Effect.Effect<void>
  /** Lambda's shutdown sequence for the generation and its sandbox. */
  readonly shutdown: (
    generation: model.Generation | undefined,
    reason: ShutdownReason,
    signals: RuntimeSignals
  ) => Effect.Effect<void>
}

export const ExtensionsHost: Context.Tag<ExtensionsHost, ExtensionsHost> = Context.GenericTag<ExtensionsHost>(
  "@effect-lambda/emulator/internal/ExtensionsHost"
)

/** The executables of `dir`, sorted by name (Lambda starts them all; the order is not promised). */
export const listExecutables = (dir: string): ReadonlyArray<string> => {
  let names: Array<string>
  try {
    names = Fs.readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((name) => {
    try {
      return Fs.statSync(Path.join(dir, name)).isFile()
    } catch {
      return false
    }
  }).sort()
}

const newSandbox = (): Sandbox => ({
  externals: new Map(),
  extensions: [],
  registrationOpen: true,
  initDone: false,
  failure: undefined,
  generation: undefined,
  ended: false,
  closing: undefined,
  invocations: new Map(),
  startedAt: performance.now()
})

/** `EXTENSION\tName: …\tState: Ready\tEvents: [INVOKE, SHUTDOWN]`, as Lambda prints it at the end of init. */
export const extensionLine = (extension: Extension): string =>
  `EXTENSION\tName: ${extension.name}\tState: ${extension.state}\tEvents: [${extension.events.join(", ")}]` +
  (extension.errorType === undefined ? "" : `\tError Type: ${extension.errorType}`)

const initFailure = (errorType: string, message: string): model.Outcome =>
  model.platformError(errorType, message, { reportStatus: "error" })

export const make = (options: HostOptions): ExtensionsHost => {
  const extensionsDir = options.functionDir === undefined ? undefined : Path.join(options.functionDir, "extensions")
  let current: Sandbox | undefined = undefined
  // The supervisor's signals, known from the first `prepare` (none for an external runtime).
  let signals: RuntimeSignals | undefined = undefined
  const byId = new Map<string, { readonly sandbox: Sandbox; readonly extension: Extension }>()

  let signal = Deferred.unsafeMake<void>(FiberId.none)
  const notify = () => {
    const fired = signal
    signal = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(fired, Effect.void)
  }
  const waitUntil = (condition: () => boolean): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (condition()) return Effect.void
      return Effect.zipRight(Deferred.await(signal), waitUntil(condition))
    })

  const finishInit = (sandbox: Sandbox) => {
    for (const extension of sandbox.extensions) {
      options.log(extensionLine(extension))
      options.telemetry.emit("platform", "platform.extension", {
        name: extension.name,
        state: extension.state,
        events: extension.events,
        ...(extension.errorType === undefined ? {} : { errorType: extension.errorType })
      })
    }
    const failure = sandbox.failure
    const phase = {
      initializationType: "on-demand",
      phase: "init",
      status: failure === undefined ? "success" : "error",
      ...(failure?.errorType === undefined ? {} : { errorType: failure.errorType })
    }
    options.telemetry.emit("platform", "platform.initRuntimeDone", phase)
    options.telemetry.emit("platform", "platform.initReport", {
      ...phase,
      metrics: { durationMs: Math.round((performance.now() - sandbox.startedAt) * 1000) / 1000 }
    })
    sandbox.initDone = true
  }

  const fail = (sandbox: Sandbox, outcome: model.Outcome) =>
    Effect.suspend(() => {
      if (sandbox.failure === undefined) sandbox.failure = outcome
      // Lambda prints each extension's state when init ends, failed or not.
      if (!sandbox.initDone) finishInit(sandbox)
      notify()
      return sandbox.generation === undefined
        ? Effect.void
        : Deferred.succeed(sandbox.generation.initError, sandbox.failure).pipe(Effect.asVoid)
    })

  /** Starts one executable in its own process group, with the runtime's environment. */
  const launch = (sandbox: Sandbox, name: string) =>
    Effect.gen(function*() {
      const exited = yield* Deferred.make<model.ExitInfo>()
      const path = Path.join(extensionsDir!, name)
      const { child, release } = spawnGroup(path, options.functionDir, options.env())
      const external: External = { name, pid: child.pid, exited, extension: undefined, launchError: undefined }
      sandbox.externals.set(name, external)
      const settle = (code: number | null, signal: string | null) => {
        release()
        if (external.extension !== undefined) external.extension.gone = true
        Deferred.unsafeDone(exited, Effect.succeed({ code, signal }))
        // A crash during init fails it; later, nothing waits for the extension any more.
        if (!sandbox.initDone && !sandbox.ended) {
          Effect.runFork(fail(
            sandbox,
            initFailure(
              "Extension.Crash",
              `Extension ${name} exited before init completed (${
                signal === null ? `exit status ${code ?? 0}` : `signal ${signal}`
              })`
            )
          ))
        }
        notify()
      }
      child.on("exit", settle)
      child.on("error", (error: NodeJS.ErrnoException) => {
        external.launchError = error.message
        release()
        Deferred.unsafeDone(exited, Effect.succeed({ code: 127, signal: null }))
        Effect.runFork(fail(
          sandbox,
          initFailure("Extension.LaunchError", `Extension ${name} could not be started: ${error.message}`)
        ))
      })
      forwardLines(child.stdout, options.onExtensionLog, () => {})
      forwardLines(child.stderr, options.onExtensionLog, () => {})
    })

  const killExternal = (external: External) =>
    Effect.gen(function*() {
      if (external.pid !== undefined) signalGroup(external.pid, "SIGKILL")
      yield* Deferred.await(external.exited).pipe(Effect.timeout(Duration.seconds(2)), Effect.ignore)
      if (external.pid !== undefined) {
        for (let i = 0; i < 50 && memory.groupAlive(external.pid); i++) yield* Effect.sleep(Duration.millis(20))
      }
    })

  const endSandbox = (sandbox: Sandbox) => {
    sandbox.ended = true
    sandbox.registrationOpen = false
    for (const extension of sandbox.extensions) byId.delete(extension.id)
    notify()
  }

  /** Lambda's shutdown sequence, once per sandbox: a second caller (a crash seen twice) waits for the first. */
  const shutdown = (
    generation: model.Generation | undefined,
    reason: ShutdownReason,
    signals: RuntimeSignals
  ): Effect.Effect<void> =>
    Effect.suspend(() => {
      const sandbox = current !== undefined && (generation === undefined || current.generation === generation ||
          current.generation === undefined)
        ? current
        : undefined
      if (sandbox === undefined || sandbox.ended) {
        return generation === undefined
          ? Effect.void
          : signals.kill(generation)
      }
      if (sandbox.closing !== undefined) return Deferred.await(sandbox.closing)
      const closing = Deferred.unsafeMake<void>(FiberId.none)
      sandbox.closing = closing
      return runShutdown(sandbox, generation, reason, signals).pipe(
        Effect.ensuring(Effect.sync(() => {
          endSandbox(sandbox)
          Deferred.unsafeDone(closing, Effect.void)
        }))
      )
    })

  const runShutdown = (
    sandbox: Sandbox,
    generation: model.Generation | undefined,
    reason: ShutdownReason,
    signals: RuntimeSignals
  ): Effect.Effect<void> =>
    Effect.gen(function*() {
      if (sandbox.extensions.length === 0) {
        // Lambda spends no time on a graceful shutdown when no extension registered.
        if (generation !== undefined) yield* signals.kill(generation)
        yield* options.telemetry.close(sandbox)
        yield* Effect.forEach(sandbox.externals.values(), killExternal, { concurrency: "unbounded", discard: true })
        return
      }
      const started = Date.now()
      const budget = Duration.toMillis(options.shutdownBudget)
      const deadlineMs = started + budget
      const externals = [...sandbox.externals.values()]
      // The runtime's share of the budget: 500 ms of 2,000 with only internal extensions, 300 with external ones.
      const runtimeShare = Math.round(budget * (externals.length > 0 ? 0.15 : 0.25))
      if (generation !== undefined) yield* signals.stop(generation, Duration.millis(runtimeShare))
      // What the subscribers have not had yet goes out before SHUTDOWN.
      yield* options.telemetry.close(sandbox)
      yield* Effect.forEach(externals, (external) =>
        Effect.gen(function*() {
          const extension = external.extension
          if (
            extension === undefined || !extension.events.includes("SHUTDOWN") ||
            (yield* Deferred.isDone(external.exited))
          ) {
            return yield* killExternal(external)
          }
          extension.inbox.push({ eventType: "SHUTDOWN", shutdownReason: reason, deadlineMs })
          notify()
          const left = Math.max(0, deadlineMs - Date.now())
          const exit = yield* Deferred.await(external.exited).pipe(Effect.timeout(Duration.millis(left)), Effect.option)
          if (Option.isSome(exit)) {
            extension.state = exit.value.code === 0 ? "Exited" : "ShutdownFailed"
          } else {
            extension.state = "ShutdownFailed"
          }
          // What it started without `exec` goes too.
          yield* killExternal(external)
        }), { concurrency: "unbounded", discard: true })
    })

  const host: ExtensionsHost = {
    options,
    telemetry: options.telemetry,
    current: () => current,
    sandboxForRegistration: () => {
      if (current === undefined) current = newSandbox()
      return current
    },
    find: (id) => byId.get(id),
    add: (sandbox, extension) => {
      sandbox.extensions.push(extension)
      byId.set(extension.id, { sandbox, extension })
      notify()
    },
    notify,
    waitUntil,
    fail,

    prepare: (previous, runtimeSignals) =>
      Effect.gen(function*() {
        signals = runtimeSignals
        if (current !== undefined && !current.ended) yield* shutdown(previous, "failure", runtimeSignals)
        const sandbox = newSandbox()
        current = sandbox
        options.telemetry.emit("platform", "platform.initStart", {
          initializationType: "on-demand",
          phase: "init",
          functionName: options.config.functionName,
          functionVersion: "$LATEST"
        })
        // Read at each start: `watch` may restart a function whose extensions changed.
        const externalNames = extensionsDir === undefined ? [] : listExecutables(extensionsDir)
        if (externalNames.length === 0) return
        if (externalNames.length > maxExtensions) {
          return yield* fail(
            sandbox,
            initFailure("Extension.TooManyExtensions", `Extension limit (${maxExtensions}) reached`)
          )
        }
        for (const name of externalNames) yield* launch(sandbox, name)
        // The runtime starts once every external extension registered (or failed), within init's time.
        const registered = yield* waitUntil(() =>
          sandbox.failure !== undefined ||
          [...sandbox.externals.values()].every((e) => e.extension !== undefined || e.launchError !== undefined)
        ).pipe(Effect.timeout(options.config.initTimeout), Effect.option)
        if (Option.isNone(registered)) {
          const silent = [...sandbox.externals.values()].filter((e) => e.extension === undefined).map((e) => e.name)
          yield* fail(
            sandbox,
            model.platformError(
              "Sandbox.Timedout",
              `Extension ${silent.join(", ")} did not register within ${
                Duration.toSeconds(options.config.initTimeout).toFixed(2)
              } seconds`,
              { reportStatus: "timeout" }
            )
          )
        }
      }),

    attach: (generation) =>
      Effect.gen(function*() {
        const sandbox = current
        if (sandbox === undefined || sandbox.generation !== undefined) return
        sandbox.generation = generation
        if (sandbox.failure !== undefined) yield* Deferred.succeed(generation.initError, sandbox.failure)
        // A runtime that dies (a crash, an exit) resets the environment at once: SHUTDOWN `failure`.
        const runtimeSignals = signals
        if (runtimeSignals !== undefined) {
          yield* Effect.forkDaemon(
            Deferred.await(generation.exited).pipe(
              Effect.zipRight(Effect.suspend(() =>
                current === sandbox && !sandbox.ended ? shutdown(generation, "failure", runtimeSignals) : Effect.void
              ))
            )
          )
        }
      }),

    runtimeNext: (generation) =>
      Effect.gen(function*() {
        const sandbox = current
        if (sandbox === undefined || sandbox.initDone || sandbox.ended) return
        if (generation !== undefined && sandbox.generation !== undefined && sandbox.generation !== generation) return
        // Registration closes at the runtime's first `next`; init waits for every registered extension.
        sandbox.registrationOpen = false
        yield* waitUntil(() =>
          sandbox.failure !== undefined || sandbox.ended ||
          sandbox.extensions.every((e) => e.state !== "Registered" || e.gone)
        )
        // Init failed: the dispatcher learns it from the generation; this `next` gets no invocation.
        if (sandbox.failure !== undefined) return yield* Effect.never
        if (!sandbox.initDone) finishInit(sandbox)
      }),

    invoke: (invocation, deadlineMs, functionArn) =>
      Effect.sync(() => {
        const sandbox = current
        if (sandbox === undefined || sandbox.ended) return
        const subscribers = sandbox.extensions.filter((e) => e.events.includes("INVOKE") && !e.gone)
        if (subscribers.length === 0) return
        sandbox.invocations.set(invocation.requestId, deadlineMs)
        for (const extension of subscribers) {
          extension.inbox.push({
            eventType: "INVOKE",
            deadlineMs,
            requestId: invocation.requestId,
            invokedFunctionArn: functionArn,
            tracing: { type: "X-Amzn-Trace-Id", value: invocation.traceId }
          })
        }
        notify()
      }),

    invocationDone: (invocation) =>
      Effect.gen(function*() {
        const sandbox = current
        if (sandbox === undefined) return
        const deadlineMs = sandbox.invocations.get(invocation.requestId)
        if (deadlineMs === undefined) return
        sandbox.invocations.delete(invocation.requestId)
        const ready = () =>
          sandbox.ended ||
          sandbox.extensions.every((e) =>
            !e.events.includes("INVOKE") || e.gone || (e.state !== "Running" && e.inbox.length === 0) ||
            e.state === "ExitError"
          )
        const done = yield* waitUntil(ready).pipe(
          Effect.timeout(Duration.millis(Math.max(0, deadlineMs - Date.now()))),
          Effect.option
        )
        if (Option.isNone(done)) {
          const late = sandbox.extensions.filter((e) => e.state === "Running").map((e) => e.name)
          options.log(
            `${new Date().toISOString()} ${invocation.requestId} Task timed out: extension${
              late.length === 1 ? "" : "s"
            } ${late.join(", ")} did not ask for the next event before the deadline`
          )
          // Lambda resets the environment after a timeout.
          if (signals !== undefined) yield* shutdown(sandbox.generation, "timeout", signals)
          else endSandbox(sandbox)
        }
      }),

    shutdown
  }
  return host
}

// ---------------------------------------------------------------------------------------------
// Hooks for the Runtime API, the dispatcher and the supervisor: no-ops without a host
// ---------------------------------------------------------------------------------------------

const withHost = <A>(f: (host: ExtensionsHost) => Effect.Effect<A>, otherwise: A): Effect.Effect<A> =>
  Effect.flatMap(
    Effect.serviceOption(ExtensionsHost),
    (host) => Option.isSome(host) ? f(host.value) : Effect.succeed(otherwise)
  )

/** Hook of the Runtime API's `next`, before the runtime counts as ready. */
export const onRuntimeNext = (generation: model.Generation | undefined): Effect.Effect<void> =>
  withHost((host) => host.runtimeNext(generation), undefined)

/** Hook of the Runtime API's `next`, once the runtime took `invocation`. */
export const onInvoke = (invocation: model.Invocation, deadlineMs: number, functionArn: string): Effect.Effect<void> =>
  withHost((host) => host.invoke(invocation, deadlineMs, functionArn), undefined)

/** Hook of the dispatcher, before END/REPORT: the invocation is done when the extensions are. */
export const onInvocationDone = (invocation: model.Invocation): Effect.Effect<void> =>
  withHost((host) => host.invocationDone(invocation), undefined)

/** A fresh extension identifier (Lambda's are UUIDs). */
export const newIdentifier = (): string => Crypto.randomUUID()
