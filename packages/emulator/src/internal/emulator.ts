/**
 * Wiring of one emulator: HTTP server, supervisor and the dispatcher that serves invocations one
 * at a time.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import type * as Api from "../Emulator.js"
import { BootstrapNotFound, ListenFailed, PortInUse } from "../EmulatorError.js"
import * as faults from "./faults.js"
import * as functionUrlApi from "./functionUrl.js"
import * as invokeApi from "./invokeApi.js"
import * as protocol from "./protocol.js"
import * as runtimeApi from "./runtimeApi.js"
import * as state from "./state.js"
import * as streaming from "./streaming.js"
import * as supervisor from "./supervisor.js"

const positive = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? n : undefined
}

const defaultOnLog = (line: string) => {
  process.stdout.write(line + "\n")
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

/** The value of AWS_LAMBDA_RUNTIME_API for a server bound to `host`. */
const runtimeApiAddress = (host: string, port: number) => {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host
  return reachable.includes(":") ? `[${reachable}]:${port}` : `${reachable}:${port}`
}

const formatMs = (ms: number) => ms.toFixed(2)

/** How one invocation went, for its REPORT line. */
interface Served {
  readonly outcome: state.Outcome
  readonly generation: state.Generation | undefined
  /** `performance.now()` when the runtime took it; undefined when it never did (init failed). */
  readonly startedAt: number | undefined
}

export const make = (options: Api.Options): Effect.Effect<Api.Emulator, Api.EmulatorError, Scope.Scope> =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const port = options.port ?? 0
    const userEnv = options.env ?? {}
    // Lines of the invocation being served, while its invoker asked for the log tail.
    let captured: Array<string> | undefined = undefined
    const userOnLog = options.onLog ?? defaultOnLog
    const onLog = (line: string) => {
      userOnLog(line)
      captured?.push(line)
    }
    const config: state.Config = {
      functionName: options.functionName ?? "function",
      region: options.region ?? userEnv.AWS_REGION ?? process.env.AWS_REGION ?? "us-east-1",
      timeoutSeconds: options.timeoutSeconds ??
        positive(userEnv.AWS_LAMBDA_FUNCTION_TIMEOUT) ??
        positive(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) ??
        3,
      memorySizeMb: options.memorySizeMb ?? 128,
      initTimeoutSeconds: options.initTimeoutSeconds ?? 10,
      streaming: streamingLimits(options.streaming),
      onLog
    }
    const log = (line: string) => Effect.sync(() => config.onLog(line))

    const functionDir = options.functionDir === undefined ? undefined : Path.resolve(options.functionDir)
    const bootstrap = functionDir === undefined ? undefined : options.bootstrap ?? Path.join(functionDir, "bootstrap")
    if (bootstrap !== undefined) yield* checkBootstrap(bootstrap)

    const core: state.Core = {
      config,
      supervised: bootstrap !== undefined,
      pending: yield* Queue.unbounded<state.Invocation>(),
      handoff: yield* Queue.unbounded<state.Offer>(),
      active: yield* Ref.make<state.Active | undefined>(undefined),
      generation: yield* Ref.make<state.Generation | undefined>(undefined),
      faults: yield* faults.make({ rules: options.faults, onCall: options.onRuntimeCall }),
      stopped: yield* Deferred.make<void>()
    }
    if (bootstrap === undefined) {
      yield* Ref.set(core.generation, yield* state.makeGeneration(0, undefined, performance.now()))
    }

    // HTTP server. Its own node server object, so that open long polls can be cut on shutdown:
    // node's server.close() waits for every open request.
    const nodeServer = Http.createServer()
    // Lambda keeps the runtime's connection; node would close one idle for 5 s between calls.
    nodeServer.keepAliveTimeout = 0
    const { server, boundPort } = yield* listen(nodeServer, host, port)
    const runtimeApi_ = runtimeApiAddress(host, boundPort)
    const url = `http://${runtimeApi_}`

    const app = HttpRouter.concat(runtimeApi.router(core), invokeApi.router(core)).pipe(
      Effect.catchTag("RouteNotFound", () =>
        Effect.succeed(HttpServerResponse.text("404 page not found", { status: 404 })))
    )
    yield* HttpServer.serveEffect(app).pipe(Effect.provideService(HttpServer.HttpServer, server))
    const functionUrl = options.functionUrl === undefined || options.functionUrl === false
      ? undefined
      : yield* serveFunctionUrl(core, host, options.functionUrl === true ? 0 : options.functionUrl.port ?? 0)

    // Supervisor
    const supervisorService = bootstrap === undefined || functionDir === undefined
      ? undefined
      : yield* supervisor.make({
        bootstrap,
        cwd: functionDir,
        env: childEnv(options, config, functionDir, runtimeApi_),
        onLog: config.onLog,
        stopGraceMillis: options.stopGraceMillis ?? 2000
      }, core.generation)
    if (supervisorService !== undefined) {
      yield* Effect.addFinalizer(() =>
        Ref.get(core.generation).pipe(
          Effect.flatMap((generation) => generation === undefined ? Effect.void : supervisorService.stop(generation))
        )
      )
    }

    const ensureGeneration: Effect.Effect<state.Generation> = supervisorService !== undefined
      ? supervisorService.ensure
      : Effect.map(Ref.get(core.generation), (generation) => generation!)

    /**
     * After an invoker got the init error: the bootstrap is stopped (it should be exiting anyway);
     * an external runtime starts over as a new generation, so that an init error it posted before
     * anyone invoked still reaches exactly one invoker.
     */
    const retireAfterInitError = (generation: state.Generation) =>
      supervisorService !== undefined
        ? supervisorService.stop(generation)
        : Effect.flatMap(
          state.makeGeneration(generation.id + 1, undefined, performance.now()),
          (fresh) => Ref.set(core.generation, fresh)
        )

    const clearActive = (invocation: state.Invocation) =>
      Ref.update(core.active, (active) => active?.invocation === invocation ? undefined : active)

    const timeoutOutcome = (requestId: string, seconds: number) =>
      state.platformError("Sandbox.Timedout", protocol.timeoutMessage(requestId, seconds), { reportStatus: "timeout" })

    const servedGenerations = new Set<number>()
    const reportedInit = new Set<number>()

    /** Hands the invocation to a runtime and waits for its outcome, restarting the runtime as needed. */
    const serve = (invocation: state.Invocation): Effect.Effect<Served> =>
      Effect.gen(function*() {
        while (true) {
          const generation = yield* ensureGeneration
          const cold = !servedGenerations.has(generation.id)
          const offer = yield* state.makeOffer(invocation)
          yield* Queue.offer(core.handoff, offer)
          const handoverSeconds = cold ? config.initTimeoutSeconds : config.timeoutSeconds
          const handover = yield* Effect.raceAll([
            Deferred.await(offer.claim).pipe(
              Effect.map(() => "claimed" as const),
              Effect.orElseSucceed(() => "claimed" as const)
            ),
            Deferred.await(generation.initError).pipe(Effect.as("initError" as const)),
            Deferred.await(generation.exited).pipe(Effect.as("exited" as const)),
            ...(core.supervised ? [Effect.sleep(Duration.seconds(handoverSeconds)).pipe(Effect.as("timeout" as const))] : [])
          ])
          // The runtime may have claimed it in the meantime: then it is served below.
          const abandoned = handover !== "claimed" && (yield* Deferred.fail(offer.claim, undefined))
          if (abandoned) {
            const initError = yield* Deferred.poll(generation.initError)
            if (initError._tag === "Some") {
              const outcome = yield* initError.value
              yield* retireAfterInitError(generation)
              return { outcome, generation, startedAt: undefined }
            }
            if (handover === "timeout") {
              if (supervisorService !== undefined) yield* supervisorService.kill(generation)
              return { outcome: timeoutOutcome(invocation.requestId, handoverSeconds), generation, startedAt: undefined }
            }
            const exit = yield* Deferred.await(generation.exited)
            if (!(yield* Deferred.isDone(generation.ready))) {
              const outcome = state.platformError(
                "Runtime.ExitError",
                protocol.exitMessage(invocation.requestId, exit.code, exit.signal),
                { reportStatus: "error" }
              )
              return { outcome, generation, startedAt: undefined }
            }
            // A warm runtime died while idle: start a new one and hand the invocation over again.
            continue
          }
          servedGenerations.add(generation.id)
          const startedAt = performance.now()
          yield* log(`START RequestId: ${invocation.requestId} Version: ${protocol.functionVersion}`)
          const ended = yield* Effect.raceAll([
            Deferred.await(invocation.result).pipe(Effect.as("answered" as const)),
            Effect.sleep(Duration.seconds(config.timeoutSeconds)).pipe(Effect.as("timeout" as const)),
            Deferred.await(generation.exited).pipe(Effect.as("exited" as const))
          ])
          if (ended === "timeout") {
            const outcome = timeoutOutcome(invocation.requestId, config.timeoutSeconds)
            if (yield* Deferred.succeed(invocation.result, outcome)) {
              yield* log(
                `${new Date().toISOString()} ${invocation.requestId} Task timed out after ${
                  config.timeoutSeconds.toFixed(2)
                } seconds`
              )
              yield* clearActive(invocation)
              if (supervisorService !== undefined) yield* supervisorService.kill(generation)
            }
          } else if (ended === "exited") {
            const exit = yield* Deferred.await(generation.exited)
            const outcome = state.platformError(
              "Runtime.ExitError",
              protocol.exitMessage(invocation.requestId, exit.code, exit.signal),
              { status: 502, reportStatus: "error" }
            )
            if (yield* Deferred.succeed(invocation.result, outcome)) yield* clearActive(invocation)
          }
          return { outcome: yield* Deferred.await(invocation.result), generation, startedAt }
        }
      })

    const report = (invocation: state.Invocation, served: Served) =>
      Effect.gen(function*() {
        const { generation, outcome, startedAt } = served
        const now = performance.now()
        if (supervisorService !== undefined) yield* supervisorService.drainLogs
        if (startedAt === undefined) {
          // Init failed or timed out: Lambda reports the init phase on its own line first.
          const initMs = generation === undefined ? 0 : now - generation.spawnedAt
          yield* log(
            `INIT_REPORT Init Duration: ${formatMs(initMs)} ms\tPhase: init\tStatus: ${
              outcome.reportStatus ?? "error"
            }\tError Type: ${outcome.errorType ?? "Runtime.Unknown"}`
          )
          yield* log(`START RequestId: ${invocation.requestId} Version: ${protocol.functionVersion}`)
        }
        const duration = startedAt === undefined ? 0 : now - startedAt
        // Init Duration goes on the first REPORT of each runtime process, as on a cold start.
        let initDuration: number | undefined = undefined
        if (generation !== undefined && core.supervised && !reportedInit.has(generation.id)) {
          reportedInit.add(generation.id)
          const ready = yield* Deferred.poll(generation.ready)
          initDuration = (ready._tag === "Some" ? yield* ready.value : startedAt ?? now) - generation.spawnedAt
        }
        const peakKb = generation === undefined || supervisorService === undefined
          ? undefined
          : yield* supervisorService.peakKb(generation)
        // Custom runtimes are billed for init too.
        const billed = Math.ceil(duration + (initDuration ?? 0))
        const fields = [
          `REPORT RequestId: ${invocation.requestId}`,
          `Duration: ${formatMs(duration)} ms`,
          `Billed Duration: ${billed} ms`,
          `Memory Size: ${config.memorySizeMb} MB`,
          ...(peakKb === undefined ? [] : [`Max Memory Used: ${Math.ceil(peakKb / 1024)} MB`]),
          ...(initDuration === undefined ? [] : [`Init Duration: ${formatMs(initDuration)} ms`]),
          ...(outcome.reportStatus === undefined ? [] : [`Status: ${outcome.reportStatus}`])
        ]
        yield* log(`END RequestId: ${invocation.requestId}`)
        yield* log(fields.join("\t"))
      })

    const serveOne = (invocation: state.Invocation) =>
      Effect.gen(function*() {
        captured = invocation.logTail ? [] : undefined
        const served = yield* serve(invocation)
        yield* report(invocation, served)
        const lines = captured ?? []
        captured = undefined
        yield* Deferred.succeed(invocation.done, { outcome: served.outcome, log: lines })
      }).pipe(
        // A bug here must cost one invocation, not stop the dispatcher and hang every invoker.
        Effect.catchAllDefect((defect) =>
          Effect.gen(function*() {
            yield* log(`effect-lambda: emulator defect while serving ${invocation.requestId}: ${String(defect)}`)
            yield* clearActive(invocation)
            const outcome = state.platformError("ServiceException", String(defect), { status: 500 })
            yield* Deferred.succeed(invocation.done, { outcome, log: [] })
          })
        )
      )
    const dispatcher = Effect.forever(Effect.flatMap(Queue.take(core.pending), serveOne))
    yield* Effect.forkScoped(dispatcher)
    yield* Effect.addFinalizer(() => Deferred.succeed(core.stopped, undefined))

    const invoke: Api.Emulator["invoke"] = (payload, invokeOptions) => {
      const bytes = typeof payload === "string" ? protocol.utf8(payload) : payload
      return invokeApi.handle(core, {
        payload: bytes,
        size: bytes.length,
        invocationType: invokeOptions?.invocationType,
        clientContext: invokeOptions?.clientContext,
        tenantId: invokeOptions?.tenantId,
        logType: invokeOptions?.logType,
        traceId: undefined,
        contentType: undefined
      }).pipe(
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
      url,
      runtimeApi: runtimeApi_,
      functionUrl,
      invoke,
      failNextRuntimeCall: core.faults.add({ endpoint: "any", fault: { _tag: "Status", status: 500 } }),
      injectFault: core.faults.add
    } satisfies Api.Emulator
  })

const streamingLimits = (options: Api.StreamingOptions | undefined): streaming.Limits => {
  const bandwidth = options?.bandwidth
  return {
    maxResponseBytes: options?.maxResponseBytes ?? protocol.maxStreamedResponseSize,
    bandwidth: bandwidth === false ? undefined : {
      burstBytes: bandwidth?.burstBytes ?? streaming.defaultBandwidth.burstBytes,
      bytesPerSecond: bandwidth?.bytesPerSecond ?? streaming.defaultBandwidth.bytesPerSecond
    }
  }
}

/**
 * Listens with `nodeServer` (our own object, so that open long polls can be cut on shutdown:
 * node's `server.close()` waits for every open request), mapping a busy port to `PortInUse`.
 */
const listen = (nodeServer: Http.Server, host: string, port: number) =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => nodeServer, { host, port }).pipe(
      Effect.mapError((error) => {
        const cause = error.cause as NodeJS.ErrnoException | undefined
        return cause?.code === "EADDRINUSE"
          ? new PortInUse({ host, port })
          : new ListenFailed({ host, port, reason: cause?.message ?? String(error) })
      })
    )
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const address = server.address
    return { server, boundPort: address._tag === "TcpAddress" ? address.port : port }
  })

/**
 * The Function URL front on a port of its own, so that the function sees the paths a real URL
 * would give it (all of them, `/2018-06-01/...` included) and can answer at `/`.
 */
const serveFunctionUrl = (core: state.Core, host: string, port: number) =>
  Effect.gen(function*() {
    const { server, boundPort } = yield* listen(Http.createServer(), host, port)
    yield* HttpServer.serveEffect(functionUrlApi.app(core, () => boundPort)).pipe(
      Effect.provideService(HttpServer.HttpServer, server)
    )
    return `http://${runtimeApiAddress(host, boundPort)}`
  })

const childEnv = (
  options: Api.Options,
  config: state.Config,
  functionDir: string,
  runtimeApi_: string
): Record<string, string> => {
  const inherited: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) inherited[key] = value
  const now = Date.now()
  return {
    ...inherited,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: protocol.functionVersion,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySizeMb),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(config.timeoutSeconds),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: protocol.newLogStreamName(now),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_EXECUTION_ENV: "AWS_Lambda_provided.al2023",
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    _HANDLER: options.handler ?? "",
    ...(options.logFormat === undefined ? {} : { AWS_LAMBDA_LOG_FORMAT: options.logFormat }),
    ...options.env,
    // not overridable: they tie the child to this emulator
    AWS_LAMBDA_RUNTIME_API: runtimeApi_,
    LAMBDA_TASK_ROOT: functionDir
  }
}
