/**
 * Wiring of one emulator: the model, its servers, the supervisor and the dispatcher.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type * as Api from "../Emulator.js"
import { BootstrapNotFound } from "../EmulatorError.js"
import * as dispatcher from "./dispatcher.js"
import * as envFile from "./envFile.js"
import * as environment from "./environment.js"
import * as extensionsApi from "./extensionsApi.js"
import * as extensionsHost from "./extensionsHost.js"
import * as faultMiddleware from "./faultMiddleware.js"
import * as functionUrl from "./functionUrl.js"
import * as http from "./http.js"
import * as invoke from "./invoke.js"
import * as invokeApi from "./invokeApi.js"
import * as liveView from "./liveView.js"
import * as model from "./model.js"
import * as otlpReceiver from "./otlpReceiver.js"
import * as protocol from "./protocol.js"
import * as runtimeApi from "./runtimeApi.js"
import * as supervisor from "./supervisor.js"
import * as telemetryApi from "./telemetryApi.js"

const positive = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? n : undefined
}

/** C0 controls but tab and CR, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controlCharacters = /[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]/g

export const terminalSafe = (line: string): string =>
  line.replace(controlCharacters, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).replace(/\r/g, "\n")

const defaultOnLog = (line: string) => {
  process.stdout.write((process.stdout.isTTY ? terminalSafe(line) : line) + "\n")
}

const checkBootstrap = (path: string) =>
  Effect.suspend(() => {
    let stat: Fs.Stats
    try {
      stat = Fs.statSync(path)
    } catch {
      return Effect.fail(new BootstrapNotFound({ path, reason: "missing" }))
    }
    if (!stat.isFile()) return Effect.fail(new BootstrapNotFound({ path, reason: "not-a-file" }))
    try {
      Fs.accessSync(path, Fs.constants.X_OK)
    } catch {
      return Effect.fail(new BootstrapNotFound({ path, reason: "not-executable" }))
    }
    return Effect.void
  })

/** Settings resolved from the options, the function's environment, then the emulator's. */
const resolveConfig = (options: Api.Options, userEnv: Readonly<Record<string, string>>): model.Config => {
  const envTimeout = positive(userEnv.AWS_LAMBDA_FUNCTION_TIMEOUT) ?? positive(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT)
  return {
    functionName: options.functionName ?? "function",
    region: options.region ?? userEnv.AWS_REGION ?? process.env.AWS_REGION ?? "us-east-1",
    timeout: Duration.decode(options.timeout ?? Duration.seconds(envTimeout ?? 3)),
    memorySizeMb: options.memorySizeMb ?? 128,
    initTimeout: Duration.decode(options.initTimeout ?? Duration.seconds(10)),
    streaming: streamingLimits(options.streaming),
    maxConcurrency: Math.floor(positive(userEnv.AWS_LAMBDA_MAX_CONCURRENCY) ?? 1),
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
    reservedConcurrency: options.reservedConcurrency === undefined
      ? undefined
      : Math.max(0, Math.floor(options.reservedConcurrency)),
    asyncRetry: {
      maxRetryAttempts: Math.min(2, Math.max(0, Math.floor(options.asyncInvocation?.maxRetryAttempts ?? 2))),
      maxEventAge: Duration.decode(options.asyncInvocation?.maxEventAge ?? Duration.hours(6)),
      retryDelays: [
        Duration.decode(options.asyncInvocation?.retryDelays?.[0] ?? Duration.minutes(1)),
        Duration.decode(options.asyncInvocation?.retryDelays?.[1] ?? Duration.minutes(2))
      ]
    }
  }
}

const streamingLimits = (options: Api.StreamingOptions | undefined): model.Limits => {
  const bandwidth = options?.bandwidth
  return {
    maxResponseBytes: options?.maxResponseBytes ?? protocol.maxStreamedResponseSize,
    bandwidth: bandwidth === false ? undefined : {
      burstBytes: bandwidth?.burstBytes ?? model.defaultBandwidth.burstBytes,
      bytesPerSecond: bandwidth?.bytesPerSecond ?? model.defaultBandwidth.bytesPerSecond
    }
  }
}

const notFound = Effect.succeed(HttpServerResponse.text("404 page not found", { status: 404 }))

/**
 * The app of one port of the emulator: its router, a plain 404 elsewhere, the Runtime API behind
 * its fault injection.
 * Path parameters may be as long as a request id or a full function ARN with a qualifier (170
 * characters), past find-my-way's default of 100.
 */
const appOf = <E, R>(router: HttpRouter.HttpRouter<E, R>) =>
  HttpRouter.toHttpApp(router).pipe(
    HttpRouter.withRouterConfig({ maxParamLength: 1024 }),
    Effect.map((app) => app.pipe(Effect.catchTag("RouteNotFound", () => notFound), faultMiddleware.middleware))
  )

/** The Runtime API, the Invoke API, the Extensions, Telemetry and OTLP APIs and the live view on one port. */
const mainApp = appOf(HttpRouter.concatAll(
  runtimeApi.router,
  invokeApi.router,
  extensionsApi.router,
  telemetryApi.router,
  otlpReceiver.router,
  liveView.router
))

/**
 * The on-failure destination: records appended to a file as JSON lines (in order, one write at a
 * time), or handed to a function.
 */
const failureDestination = (
  destination: string | ((record: model.FailureRecord) => void),
  log: (line: string) => Effect.Effect<void>
) => {
  let writes = Promise.resolve()
  const observe = (event: model.Event) => {
    if (event._tag !== "AsyncInvocationFailed") return
    if (typeof destination === "function") return destination(event.record)
    const line = JSON.stringify(event.record) + "\n"
    writes = writes.then(() =>
      Fs.promises.appendFile(destination, line).catch((error: Error) =>
        Effect.runSync(log(`effect-lambda: cannot write the on-failure record to ${destination}: ${error.message}`))
      )
    )
  }
  return { observe, flush: Effect.promise(() => writes) }
}

/** The invocation events of one sandbox (its extensions' platform events), other events as they are. */
const ofSandbox = (index: number, observer: (event: model.Event) => void) => (event: model.Event) => {
  const sandbox = event._tag === "InvocationStarted"
    ? event.sandbox
    : event._tag === "InvocationEnded"
    ? event.report?.sandbox
    : index
  if ((sandbox ?? 0) === index) observer(event)
}

/** What a further sandbox serves on its own port: the Runtime, Extensions, Telemetry and OTLP APIs. */
const sandboxApp = appOf(
  HttpRouter.concatAll(runtimeApi.router, extensionsApi.router, telemetryApi.router, otlpReceiver.router)
)

/**
 * One sandbox's extensions host and Telemetry API (the first sandbox's and each further one's):
 * their platform and extension log lines go to the sandbox's own model; of the emulator's
 * invocation events, those of this sandbox reach its extensions. The runtime's environment is
 * known once the sandbox's Runtime API port is: the host reads it late, `setEnv` gives it.
 */
const sandboxExtensions = (
  options: Api.Options,
  emulator: model.Model,
  own: model.Model,
  index: number,
  functionDir: string | undefined
) =>
  Effect.gen(function*() {
    let functionEnv: Readonly<Record<string, string>> = { _HANDLER: options.handler ?? "" }
    const platformLog = (line: string) => own.publish({ _tag: "Log", line })
    const telemetry = telemetryApi.make({ current: () => extensions.current(), log: platformLog })
    const extensions: extensionsHost.ExtensionsHost = extensionsHost.make({
      config: own.config,
      functionDir,
      env: () => functionEnv,
      shutdownBudget: Duration.decode(options.stopGrace ?? Duration.seconds(2)),
      log: platformLog,
      onExtensionLog: (line) => {
        telemetry.emit("extension", "extension", line)
        own.publish({ _tag: "Log", line })
      },
      telemetry
    })
    // The dispatcher tells the emulator's observers; this sandbox's extensions hear of its own.
    yield* emulator.subscribe(ofSandbox(index, telemetryApi.observe(telemetry)))
    const setEnv = (env: Readonly<Record<string, string>>) => {
      functionEnv = env
    }
    return { extensions, setEnv }
  })

export const make = (options: Api.Options): Effect.Effect<Api.Emulator, Api.EmulatorError, Scope.Scope> =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const userEnv = { ...(options.envFile === undefined ? {} : yield* envFile.read(options.envFile)), ...options.env }
    const config = resolveConfig(options, userEnv)
    const functionDir = options.functionDir === undefined ? undefined : Path.resolve(options.functionDir)
    const bootstrap = functionDir === undefined ? undefined : options.bootstrap ?? Path.join(functionDir, "bootstrap")
    if (bootstrap !== undefined) yield* checkBootstrap(bootstrap)

    const emulator = yield* model.make({ config, supervised: bootstrap !== undefined, faults: options.faults })
    const onLog = options.onLog ?? defaultOnLog
    const onRuntimeCall = options.onRuntimeCall
    yield* emulator.subscribe((event) => {
      if (event._tag === "Log") onLog(event.line)
      else if (event._tag === "RuntimeCall") onRuntimeCall?.(event.call)
    })
    const onFailure = options.asyncInvocation?.onFailure
    if (onFailure !== undefined) {
      const destination = failureDestination(onFailure, emulator.log)
      yield* emulator.subscribe(destination.observe)
      // the records of invocations given up before the emulator stopped are written
      yield* Effect.addFinalizer(() => destination.flush)
    }
    const { extensions, setEnv } = yield* sandboxExtensions(
      options,
      emulator,
      emulator,
      0,
      bootstrap === undefined ? undefined : functionDir
    )
    const live = yield* liveView.make(emulator)
    const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.provideService(model.Model, emulator),
        Effect.provideService(extensionsHost.ExtensionsHost, extensions),
        Effect.provideService(liveView.LiveView, live)
      )

    const policy: http.ConnectionPolicy = {
      allowedHosts: http.isLoopback(host)
        ? new Set((options.allowedHosts ?? []).map((name) => name.toLowerCase()))
        : undefined,
      // A runtime's connection is idle while its handler runs: it must outlive the function timeout.
      keepAliveTimeout: Duration.decode(options.keepAliveTimeout ?? Duration.sum(config.timeout, Duration.seconds(10))),
      headersTimeout: Duration.decode(options.headersTimeout ?? Duration.seconds(10)),
      refuseCrossOrigin: true
    }
    const port = yield* http.serve(provide(yield* mainApp), { host, port: options.port ?? 0, policy })
    const runtimeApiAddress = http.address(host, port)
    const functionUrlAddress = options.functionUrl === undefined || options.functionUrl === false
      ? undefined
      : yield* Effect.suspend(() => {
        let bound = 0
        const front = provide(functionUrl.app(() => bound))
        const urlPort = options.functionUrl === true ? 0 : (options.functionUrl as { port?: number }).port ?? 0
        return Effect.map(
          http.serve(front, {
            host,
            port: urlPort,
            policy: { ...policy, keepAliveTimeout: Duration.seconds(5), refuseCrossOrigin: false }
          }),
          (p) => {
            bound = p
            return http.address(host, p)
          }
        )
      })

    const control = bootstrap === undefined || functionDir === undefined
      ? yield* Effect.gen(function*() {
        yield* Ref.set(emulator.generation, yield* model.makeGeneration(0, undefined, performance.now()))
        return dispatcher.external(emulator.generation)
      })
      : yield* supervised(options, userEnv, emulator, extensions, bootstrap, functionDir, runtimeApiAddress, setEnv)
    const first: dispatcher.Sandbox = {
      index: 0,
      model: emulator,
      control: { ...control, invocationDone: (invocation) => provide(extensionsHost.onInvocationDone(invocation)) }
    }
    const more = bootstrap === undefined || functionDir === undefined ? [] : yield* Effect.forEach(
      Array.from({ length: config.concurrency - 1 }, (_, i) => i + 1),
      (index) => sandbox(index, options, userEnv, emulator, { host, policy, bootstrap, functionDir })
    )
    yield* dispatcher.run([first, ...more]).pipe(provide)
    // First thing on close: invokers still waiting give up.
    yield* Effect.addFinalizer(() => Deferred.succeed(emulator.stopped, undefined))

    const invokeProgrammatically: Api.Emulator["invoke"] = (payload, invokeOptions) => {
      const bytes = typeof payload === "string" ? protocol.utf8(payload) : payload
      return invoke.handle({
        payload: bytes,
        size: bytes.length,
        invocationType: invokeOptions?.invocationType,
        clientContext: invokeOptions?.clientContext,
        tenantId: invokeOptions?.tenantId,
        logType: invokeOptions?.logType,
        awaitEnd: invokeOptions?.awaitEnd ?? false,
        traceId: undefined,
        contentType: undefined
      }).pipe(
        provide,
        Effect.map((output) => ({
          statusCode: output.status,
          payload: output.body,
          functionError: output.functionError,
          requestId: output.requestId,
          logResult: output.headers["X-Amz-Log-Result"]
        }))
      )
    }

    return {
      url: `http://${runtimeApiAddress}`,
      runtimeApi: runtimeApiAddress,
      functionUrl: functionUrlAddress === undefined ? undefined : `http://${functionUrlAddress}`,
      invoke: invokeProgrammatically,
      failNextRuntimeCall: emulator.addFault({ endpoint: "any", fault: { _tag: "Status", status: 500 } }),
      injectFault: emulator.addFault
    } satisfies Api.Emulator
  })

/**
 * A further sandbox (`concurrency` > 1): its own model for its Runtime API (its events go to the
 * emulator's observers, marked with its index), its own port, extensions host and supervisor.
 */
const sandbox = (
  index: number,
  options: Api.Options,
  userEnv: Readonly<Record<string, string>>,
  emulator: model.Model,
  where: {
    readonly host: string
    readonly policy: http.ConnectionPolicy
    readonly bootstrap: string
    readonly functionDir: string
  }
): Effect.Effect<dispatcher.Sandbox, Api.EmulatorError, Scope.Scope> =>
  Effect.gen(function*() {
    const own = yield* model.make({ config: emulator.config, supervised: true, faults: undefined })
    yield* own.subscribe((event) => emulator.publish(event._tag === "Log" ? { ...event, sandbox: index } : event))
    const { extensions, setEnv } = yield* sandboxExtensions(options, emulator, own, index, where.functionDir)
    const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.provideService(model.Model, own),
        Effect.provideService(extensionsHost.ExtensionsHost, extensions)
      )
    // Only its runtime talks to it: loopback, whatever address the Invoke API was opened on.
    const loopback = http.isLoopback(where.host) ? where.host : where.host.includes(":") ? "::1" : "127.0.0.1"
    const port = yield* http.serve(provide(yield* sandboxApp), { host: loopback, port: 0, policy: where.policy })
    const control = yield* supervised(
      options,
      userEnv,
      own,
      extensions,
      where.bootstrap,
      where.functionDir,
      http.address(loopback, port),
      setEnv
    )
    return {
      index,
      model: own,
      control: { ...control, invocationDone: (invocation) => provide(extensionsHost.onInvocationDone(invocation)) }
    }
  })

/** The supervisor of the function's `bootstrap`, stopped with the scope, as the dispatcher's control. */
const supervised = (
  options: Api.Options,
  userEnv: Readonly<Record<string, string>>,
  emulator: model.Model,
  host: extensionsHost.ExtensionsHost,
  bootstrap: string,
  functionDir: string,
  runtimeApiAddress: string,
  onEnv: (env: Readonly<Record<string, string>>) => void
): Effect.Effect<dispatcher.RuntimeControl, never, Scope.Scope> =>
  Effect.gen(function*() {
    const env = environment.make({
      config: emulator.config,
      functionDir,
      runtimeApi: runtimeApiAddress,
      handler: options.handler,
      logFormat: options.logFormat,
      env: userEnv
    })
    onEnv(env)
    const service = yield* supervisor.make({
      bootstrap,
      cwd: functionDir,
      env,
      onLog: (line) => {
        host.telemetry.emit("function", "function", telemetryApi.functionRecord(line))
        emulator.publish({ _tag: "Log", line, requestId: model.ownerOf(emulator.serving, line) })
      },
      stopGrace: Duration.decode(options.stopGrace ?? Duration.seconds(2)),
      // Lambda's Init Duration includes the extensions' init, which comes before the runtime's.
      initStartedAt: () => host.current()?.startedAt
    }, emulator.generation)
    // Lambda's shutdown: SIGTERM only when an extension registered (SIGKILL otherwise), SHUTDOWN to
    // the external extensions, all within the budget.
    const signals: extensionsHost.RuntimeSignals = { kill: service.kill, stop: service.stop }
    yield* Effect.addFinalizer(() =>
      Ref.get(emulator.generation).pipe(
        Effect.flatMap((generation) =>
          generation === undefined && host.current() === undefined
            ? Effect.void
            : host.shutdown(generation, "spindown", signals)
        )
      )
    )
    return {
      // External extensions start (and register) before each new runtime.
      ensure: Effect.gen(function*() {
        const live = yield* Ref.get(emulator.generation)
        if (live !== undefined && !(yield* Deferred.isDone(live.exited))) return live
        yield* host.prepare(live, signals)
        const generation = yield* service.ensure
        yield* host.attach(generation)
        return generation
      }),
      // A timeout resets the environment.
      kill: (generation) => host.shutdown(generation, "timeout", signals),
      // The bootstrap is stopped (it should be exiting anyway); the next invocation starts a new one.
      retireAfterInitError: (generation) => host.shutdown(generation, "failure", signals),
      peakKb: service.peakKb,
      drainLogs: service.drainLogs
    }
  })
