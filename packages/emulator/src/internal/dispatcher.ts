/**
 * The dispatcher: takes accepted invocations from the model in order, hands each to a runtime
 * (starting or restarting one as needed), waits for its outcome, prints START/END/REPORT, and
 * settles what the invoker waits for.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as model from "./model.js"
import * as protocol from "./protocol.js"

/** How the dispatcher controls the runtime: a supervised bootstrap, or an external runtime. */
export interface RuntimeControl {
  /** The live generation, started when there is none. */
  readonly ensure: Effect.Effect<model.Generation>
  /** Ends the generation at once (a timeout): no-op for an external runtime. */
  readonly kill: (generation: model.Generation) => Effect.Effect<void>
  /** After an invoker got the init error: the runtime starts over. */
  readonly retireAfterInitError: (generation: model.Generation) => Effect.Effect<void>
  /** Peak memory of the generation in kB, where it can be measured. */
  readonly peakKb: (generation: model.Generation) => Effect.Effect<number | undefined>
  /** Waits until the function's output printed so far is forwarded. */
  readonly drainLogs: Effect.Effect<void>
  /** After the runtime asked for its next event: until the sandbox's extensions are done too. */
  readonly invocationDone?: (invocation: model.Invocation) => Effect.Effect<void>
}

/**
 * One execution environment: the model its Runtime API serves (offers, held invocations,
 * generation) and the control of its runtime. Sandbox 0 is the emulator's own model.
 */
export interface Sandbox {
  readonly index: number
  readonly model: model.Model
  readonly control: RuntimeControl
}

const formatMs = (ms: number) => ms.toFixed(2)

/** How one invocation went, for its REPORT line. */
interface Served {
  readonly sandbox: Sandbox
  readonly outcome: model.Outcome
  readonly generation: model.Generation | undefined
  /** `performance.now()` when the runtime took it; undefined when it never did (init failed). */
  readonly startedAt: number | undefined
  /** The runtime answered and lives on: the invocation ends at its next `next` (or at the deadline). */
  readonly awaitsNext: boolean
}

/** `Status:` and `Error Type:` of a REPORT line, as Lambda prints them after a timeout or a platform error. */
export const statusFields = (outcome: model.Outcome): ReadonlyArray<string> =>
  outcome.reportStatus === undefined
    ? []
    : outcome.reportStatus === "timeout"
    ? ["Status: timeout"]
    : ["Status: error", `Error Type: ${outcome.errorType ?? "Runtime.Unknown"}`]

/**
 * Serves the model's invocations for the life of the scope: as many at once as the sandboxes
 * take (`maxConcurrency` each: one for a classic runtime, several in Managed Instances mode),
 * each from its handover to its END, which Lambda prints when the runtime asks for its next
 * event. A warm sandbox is preferred; another one starts (cold) when all are busy.
 */
export const run = (
  sandboxes: ReadonlyArray<Sandbox>
): Effect.Effect<void, never, model.Model | Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* model.Model
    const { config } = emulator
    const log = emulator.log
    const busy = sandboxes.map(() => 0)
    const used = sandboxes.map(() => false)
    /** A sandbox with room: one that served before, else the first idle one. */
    const pick = (): Sandbox => {
      const free = sandboxes.filter((sandbox) => busy[sandbox.index]! < config.maxConcurrency)
      return free.find((sandbox) => used[sandbox.index]) ?? free[0]!
    }
    // Generation ids count per sandbox: the generations themselves are the keys.
    const servedGenerations = new WeakSet<model.Generation>()
    const reportedInit = new WeakSet<model.Generation>()
    // Lines of the invocations being served whose invoker asked for the log tail, by request id.
    const captures = new Map<string, { readonly sandbox: number; readonly lines: Array<string> }>()
    /** A line of the invocation's own (START, END, REPORT, timeout), marked as such for observers. */
    const logOf = (invocation: model.Invocation, line: string) =>
      Effect.sync(() => emulator.publish({ _tag: "Log", line, requestId: invocation.requestId }))
    // Invocations served at once (Managed Instances) must not start a runtime each.
    const starting = yield* Effect.forEach(sandboxes, () => Effect.makeSemaphore(1))
    yield* emulator.subscribe((event) => {
      if (event._tag !== "Log" || captures.size === 0) return
      for (const [requestId, capture] of captures) {
        // A line of no known invocation (init, extensions) goes to every one its sandbox serves.
        const mine = event.requestId === undefined
          ? (event.sandbox ?? 0) === capture.sandbox
          : event.requestId === requestId
        if (mine) capture.lines.push(event.line)
      }
    })

    /** Hands the invocation to a runtime and waits for its outcome, restarting the runtime as needed. */
    const serve = (invocation: model.Invocation, sandbox: Sandbox): Effect.Effect<Served> =>
      Effect.gen(function*() {
        const { control, model: env } = sandbox
        while (true) {
          const generation = yield* starting[sandbox.index]!.withPermits(1)(control.ensure)
          const cold = !servedGenerations.has(generation)
          const offer = yield* model.makeOffer(invocation)
          yield* env.offer(offer)
          const handover = cold ? config.initTimeout : config.timeout
          const handOver = Effect.raceAll([
            Deferred.await(offer.claim).pipe(
              Effect.map(() => "claimed" as const),
              Effect.orElseSucceed(() => "claimed" as const)
            ),
            Deferred.await(generation.initError).pipe(Effect.as("initError" as const)),
            Deferred.await(generation.exited).pipe(Effect.as("exited" as const)),
            ...(env.supervised ? [Effect.sleep(handover).pipe(Effect.as("timeout" as const))] : [])
          ])
          let handedOver = yield* handOver
          // A warm runtime busy with other invocations (Managed Instances mode with fewer loops
          // than AWS_LAMBDA_MAX_CONCURRENCY) is not hung: the invocation waits on.
          while (handedOver === "timeout" && !cold && env.serving.size > 0) handedOver = yield* handOver
          // The runtime may have claimed it in the meantime: then it is served below.
          const abandoned = handedOver !== "claimed" && (yield* Deferred.fail(offer.claim, undefined))
          if (abandoned) {
            const initError = yield* Deferred.poll(generation.initError)
            if (initError._tag === "Some") {
              const outcome = yield* initError.value
              yield* control.retireAfterInitError(generation)
              return { sandbox, outcome, generation, startedAt: undefined, awaitsNext: false }
            }
            if (handedOver === "timeout") {
              yield* control.kill(generation)
              return {
                sandbox,
                outcome: model.timedOut(invocation.requestId, handover),
                generation,
                startedAt: undefined,
                awaitsNext: false
              }
            }
            const exit = yield* Deferred.await(generation.exited)
            if (!(yield* Deferred.isDone(generation.ready))) {
              return {
                sandbox,
                outcome: model.exited(invocation.requestId, exit),
                generation,
                startedAt: undefined,
                awaitsNext: false
              }
            }
            // A warm runtime died while idle: start a new one and hand the invocation over again.
            continue
          }
          servedGenerations.add(generation)
          const startedAt = performance.now()
          env.serving.add(invocation.requestId)
          yield* logOf(invocation, `START RequestId: ${invocation.requestId} Version: ${protocol.functionVersion}`)
          emulator.publish({ _tag: "InvocationStarted", requestId: invocation.requestId, sandbox: sandbox.index })
          const ended = yield* Effect.raceAll([
            Deferred.await(invocation.result).pipe(Effect.as("answered" as const)),
            Effect.sleep(config.timeout).pipe(Effect.as("timeout" as const)),
            Deferred.await(generation.exited).pipe(Effect.as("exited" as const))
          ])
          let awaitsNext = ended === "answered"
          if (ended === "timeout") {
            if (yield* emulator.settle(invocation, model.timedOut(invocation.requestId, config.timeout))) {
              yield* logOf(
                invocation,
                `${new Date().toISOString()} ${invocation.requestId} Task timed out after ${
                  Duration.toSeconds(config.timeout).toFixed(2)
                } seconds`
              )
              yield* env.drop(invocation)
              yield* control.kill(generation)
            } else {
              awaitsNext = true
            }
          } else if (ended === "exited") {
            const exit = yield* Deferred.await(generation.exited)
            if (yield* emulator.settle(invocation, model.exited(invocation.requestId, exit, { status: 502 }))) {
              yield* env.drop(invocation)
            }
          }
          return { sandbox, outcome: yield* Deferred.await(invocation.result), generation, startedAt, awaitsNext }
        }
      })

    /**
     * After the runtime answered: until it asks for its next event (what it prints meanwhile is
     * still this invocation's), its time runs out, it is gone, or the emulator stops.
     */
    const awaitNext = (invocation: model.Invocation, served: Served) =>
      Effect.gen(function*() {
        const left = served.startedAt! + Duration.toMillis(config.timeout) - performance.now()
        const waits: Array<Effect.Effect<void>> = [
          served.sandbox.model.released(invocation),
          Effect.sleep(Duration.millis(Math.max(0, left))),
          Deferred.await(emulator.stopped)
        ]
        if (served.generation !== undefined) waits.push(Deferred.await(served.generation.exited))
        yield* Effect.raceAll(waits)
        // Not released (time ran out, the runtime is gone): a later `next` has nothing to end.
        yield* served.sandbox.model.drop(invocation)
      })

    const report = (invocation: model.Invocation, served: Served) =>
      Effect.gen(function*() {
        const { generation, outcome, startedAt } = served
        const { control } = served.sandbox
        const now = performance.now()
        yield* control.drainLogs
        if (startedAt === undefined) {
          // Init failed or timed out: Lambda reports the init phase on its own line first.
          const initMs = generation === undefined ? 0 : now - generation.spawnedAt
          yield* logOf(
            invocation,
            `INIT_REPORT Init Duration: ${formatMs(initMs)} ms\tPhase: init\tStatus: ${
              outcome.reportStatus ?? "error"
            }\tError Type: ${outcome.errorType ?? "Runtime.Unknown"}`
          )
          yield* logOf(invocation, `START RequestId: ${invocation.requestId} Version: ${protocol.functionVersion}`)
        }
        const duration = startedAt === undefined ? 0 : now - startedAt
        // Init Duration goes on the first REPORT of each runtime process, as on a cold start.
        let initDuration: number | undefined = undefined
        if (generation !== undefined && emulator.supervised && !reportedInit.has(generation)) {
          reportedInit.add(generation)
          const ready = yield* Deferred.poll(generation.ready)
          initDuration = (ready._tag === "Some" ? yield* ready.value : startedAt ?? now) - generation.spawnedAt
        }
        const peakKb = generation === undefined ? undefined : yield* control.peakKb(generation)
        // Custom runtimes are billed for init too.
        const billed = Math.ceil(duration + (initDuration ?? 0))
        const fields = [
          `REPORT RequestId: ${invocation.requestId}`,
          `Duration: ${formatMs(duration)} ms`,
          `Billed Duration: ${billed} ms`,
          `Memory Size: ${config.memorySizeMb} MB`,
          ...(peakKb === undefined ? [] : [`Max Memory Used: ${Math.ceil(peakKb / 1024)} MB`]),
          ...(initDuration === undefined ? [] : [`Init Duration: ${formatMs(initDuration)} ms`]),
          ...statusFields(outcome)
        ]
        yield* logOf(invocation, `END RequestId: ${invocation.requestId}`)
        served.sandbox.model.serving.delete(invocation.requestId)
        yield* logOf(invocation, fields.join("\t"))
        emulator.publish({
          _tag: "InvocationEnded",
          requestId: invocation.requestId,
          outcome,
          report: {
            durationMs: duration,
            billedDurationMs: billed,
            memorySizeMb: config.memorySizeMb,
            maxMemoryUsedMb: peakKb === undefined ? undefined : Math.ceil(peakKb / 1024),
            initDurationMs: initDuration,
            generation: generation?.id,
            sandbox: served.sandbox.index
          }
        })
      })

    const scope = yield* Effect.scope
    const { asyncRetry } = config
    /** An `Event` invocation given up after `invokeCount` attempts: its on-failure record. */
    const giveUp = (
      invocation: model.Invocation,
      outcome: model.Outcome,
      condition: model.FailureRecord["requestContext"]["condition"],
      invokeCount: number,
      why = ""
    ) =>
      Effect.gen(function*() {
        const record = failureRecord(config, invocation, outcome, condition, invokeCount)
        yield* log(
          `effect-lambda: Event ${invocation.requestId} given up after ${invokeCount} attempt(s) (${condition})${why}`
        )
        emulator.publish({ _tag: "AsyncInvocationFailed", record })
      })
    /**
     * An `Event` invocation throttled for good, never run: with reserved concurrency 0 Lambda
     * sends new events to the on-failure destination at once, without retries ("When you set
     * reserved concurrency to zero for an asynchronously invoked function, Lambda begins sending
     * new events to the configured dead-letter queue or the on-failure event destination, without
     * any retries", Lambda developer guide, asynchronous invocation records); one that waited in
     * the queue past `maxEventAge` (the reserved concurrency busy all along) is dropped the same
     * way, as Lambda drops a throttled event once it is that old.
     */
    const throttledAway = (invocation: model.Invocation, why: string) =>
      Effect.gen(function*() {
        const outcome = model.platformError("TooManyRequestsException", "Rate Exceeded.", { status: 429 })
        emulator.publish({ _tag: "InvocationEnded", requestId: invocation.requestId, outcome })
        yield* Deferred.succeed(invocation.done, { outcome, log: [] })
        yield* giveUp(invocation, outcome, "EventAgeExceeded", invocation.attempt - 1, why)
      })
    const maxEventAgeMs = Duration.toMillis(asyncRetry.maxEventAge)
    /**
     * After a failed attempt of an `Event` invocation: another one later (same request id), or
     * the on-failure record once the retries are spent or the event would be too old.
     */
    const retryOrGiveUp = (invocation: model.Invocation, outcome: model.Outcome) =>
      Effect.gen(function*() {
        if (outcome.functionError === undefined) return
        if (invocation.attempt > asyncRetry.maxRetryAttempts) {
          return yield* giveUp(invocation, outcome, "RetriesExhausted", invocation.attempt)
        }
        const delay = asyncRetry.retryDelays[Math.min(invocation.attempt, 2) - 1]!
        const age = Date.now() - invocation.acceptedAt
        if (age + Duration.toMillis(delay) > maxEventAgeMs) {
          return yield* giveUp(invocation, outcome, "EventAgeExceeded", invocation.attempt)
        }
        emulator.publish({
          _tag: "InvocationRetrying",
          requestId: invocation.requestId,
          attempt: invocation.attempt + 1,
          delayMs: Duration.toMillis(delay)
        })
        const again = model.makeInvocation({ ...invocation, attempt: invocation.attempt + 1 }).pipe(
          Effect.flatMap(emulator.submit)
        )
        yield* Effect.forkIn(Effect.zipRight(Effect.sleep(delay), again), scope)
      })

    const serveOne = (invocation: model.Invocation, sandbox: Sandbox) => {
      const lines: Array<string> = []
      const forget = Effect.sync(() => {
        captures.delete(invocation.requestId)
        sandbox.model.serving.delete(invocation.requestId)
      })
      return Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          if (invocation.logTail) captures.set(invocation.requestId, { sandbox: sandbox.index, lines })
          const served = yield* restore(serve(invocation, sandbox))
          if (served.startedAt !== undefined) {
            // What the function printed before it answered goes out before the answer does.
            yield* sandbox.control.drainLogs
            if (!invocation.awaitEnd) yield* Deferred.succeed(invocation.done, { outcome: served.outcome, log: [] })
            // Stopped meanwhile (the emulator closes): END and REPORT are still printed.
            if (served.awaitsNext) yield* Effect.exit(restore(awaitNext(invocation, served)))
            // Lambda's invocation ends when its extensions asked for their next event too.
            const extensionsDone = sandbox.control.invocationDone
            if (extensionsDone !== undefined) yield* Effect.exit(restore(extensionsDone(invocation)))
          }
          yield* report(invocation, served)
          yield* forget
          yield* Deferred.succeed(invocation.done, { outcome: served.outcome, log: lines })
          if (invocation.async) yield* retryOrGiveUp(invocation, served.outcome)
        })
      ).pipe(
        // A bug here must cost one invocation, not stop the dispatcher and hang every invoker.
        Effect.catchAllDefect((defect) =>
          Effect.gen(function*() {
            yield* forget
            yield* log(`effect-lambda: emulator defect while serving ${invocation.requestId}: ${String(defect)}`)
            yield* sandbox.model.drop(invocation)
            const outcome = model.platformError("ServiceException", String(defect), { status: 500 })
            yield* Deferred.succeed(invocation.done, { outcome, log: [] })
          })
        ),
        Effect.onInterrupt(() => forget)
      )
    }

    // As many in flight as the sandboxes take, and no more than the reserved concurrency.
    const capacity = sandboxes.length * config.maxConcurrency
    const permits = yield* Effect.makeSemaphore(Math.min(capacity, config.reservedConcurrency ?? capacity))
    // Taken in order; each runs in its own fiber once a sandbox can take it.
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const invocation = yield* emulator.takeSubmitted
      // No permit will ever come for it: without this it would wait forever, and every later one behind it.
      if (invocation.async && config.reservedConcurrency === 0) {
        return yield* throttledAway(invocation, ": throttled, the reserved concurrency is 0")
      }
      yield* permits.take(1)
      if (invocation.async && Date.now() - invocation.acceptedAt > maxEventAgeMs) {
        yield* permits.release(1)
        return yield* throttledAway(invocation, ": it waited for the reserved concurrency past the maximum event age")
      }
      const sandbox = pick()
      busy[sandbox.index]!++
      used[sandbox.index] = true
      // A synchronous invocation counts from its acceptance (invoke), an asynchronous one from here.
      if (invocation.async) yield* Ref.update(emulator.inFlight, (n) => n + 1)
      const release = Effect.zipRight(
        Effect.sync(() => {
          busy[sandbox.index]!--
        }),
        Effect.zipRight(Ref.update(emulator.inFlight, (n) => n - 1), permits.release(1))
      )
      yield* Effect.fork(Effect.ensuring(serveOne(invocation, sandbox), release))
    })))
  })

const parsed = (bytes: Uint8Array): unknown => {
  const text = Buffer.from(bytes).toString("utf8")
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Lambda's on-failure destination record of a given-up `Event` invocation. */
export const failureRecord = (
  config: model.Config,
  invocation: model.Invocation,
  outcome: model.Outcome,
  condition: model.FailureRecord["requestContext"]["condition"],
  invokeCount: number = invocation.attempt
): model.FailureRecord => ({
  version: "1.0",
  timestamp: new Date().toISOString(),
  requestContext: {
    requestId: invocation.requestId,
    functionArn: `${protocol.functionArn(config.region, config.functionName)}:${protocol.functionVersion}`,
    condition,
    approximateInvokeCount: invokeCount
  },
  requestPayload: parsed(invocation.payload),
  responseContext: {
    statusCode: outcome.status,
    executedVersion: protocol.functionVersion,
    functionError: outcome.functionError ?? "Unhandled"
  },
  responsePayload: parsed(outcome.payload)
})

/** The control of an external runtime: nothing to start or stop, a new generation after an init error. */
export const external = (generation: Ref.Ref<model.Generation | undefined>): RuntimeControl => ({
  ensure: Effect.map(Ref.get(generation), (current) => current!),
  kill: () => Effect.void,
  retireAfterInitError: (retired) =>
    // The external runtime starts over as a new generation, so that an init error it posted
    // before anyone invoked still reaches exactly one invoker.
    Effect.flatMap(
      model.makeGeneration(retired.id + 1, undefined, performance.now()),
      (fresh) => Ref.set(generation, fresh)
    ),
  peakKb: () => Effect.succeed(undefined),
  drainLogs: Effect.void
})
