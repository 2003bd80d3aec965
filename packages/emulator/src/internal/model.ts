/**
 * The emulator's model: what an invocation is, how it ends (`Outcome`), the channel of a streamed
 * answer, the limits in force, the public fault types, and the `Model` service that holds the
 * state every server and the dispatcher work on. Servers (Runtime API, Invoke API, Function URL)
 * are small modules that read and change the model through its operations; observers (logs,
 * Runtime API calls, a live view) subscribe to its events.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as protocol from "./protocol.js"

// ---------------------------------------------------------------------------------------------
// Faults (public through `Emulator`)
// ---------------------------------------------------------------------------------------------

export type RuntimeEndpoint = "next" | "response" | "error" | "init-error"

/** What a malformed `next` answer gets wrong. */
export type Malformation = "NoRequestId" | "BadDeadline" | "InvalidJson"

export type Fault =
  | { readonly _tag: "Status"; readonly status: number }
  | { readonly _tag: "Delay"; readonly duration: Duration.DurationInput }
  | { readonly _tag: "Close" }
  | { readonly _tag: "Reset" }
  | { readonly _tag: "Malformed"; readonly malformation: Malformation }

export interface FaultRule {
  readonly endpoint: RuntimeEndpoint | "any"
  /** 1-based call number of that endpoint; omitted: the next matching call. */
  readonly call?: number
  readonly fault: Fault
  /** Default true: the rule is removed once it fired. */
  readonly once?: boolean
}

/** One Runtime API call as the emulator saw it. */
export interface RuntimeCall {
  readonly endpoint: RuntimeEndpoint
  /** 1-based call number of that endpoint. */
  readonly call: number
  /** The id in the path of a report, or the one handed out by `next`. */
  readonly requestId: string | undefined
  /** The status answered; undefined when the connection was dropped instead. */
  readonly status: number | undefined
  /** `Lambda-Runtime-Function-Error-Type` of an error report, as sent. */
  readonly errorType: string | undefined
  /** The injected fault that shaped this answer, if any. */
  readonly fault: Fault["_tag"] | undefined
}

// ---------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------

/** What the invoker of one invocation gets. */
export interface Outcome {
  readonly status: number
  readonly payload: Uint8Array
  readonly contentType: string
  /** `X-Amz-Function-Error` value, present on every function, runtime or sandbox error. */
  readonly functionError: "Unhandled" | undefined
  /** The normalised error type (header value, or the platform's type); kept for logs and streaming. */
  readonly errorType: string | undefined
  /** `Status:` field of the REPORT line (Lambda prints it for timeouts and crashes). */
  readonly reportStatus: "timeout" | "error" | undefined
}

export const success = (payload: Uint8Array, contentType: string): Outcome => ({
  status: 200,
  payload,
  contentType,
  functionError: undefined,
  errorType: undefined,
  reportStatus: undefined
})

export const functionError = (
  errorType: string,
  payload: Uint8Array,
  options?: { readonly status?: number; readonly reportStatus?: "timeout" | "error" }
): Outcome => ({
  status: options?.status ?? 200,
  payload,
  contentType: "application/json",
  functionError: "Unhandled",
  errorType,
  reportStatus: options?.reportStatus
})

/** A platform error (timeout, crash, size limit): Lambda synthesises the JSON body itself. */
export const platformError = (
  errorType: string,
  errorMessage: string,
  options?: { readonly status?: number; readonly reportStatus?: "timeout" | "error" }
): Outcome => functionError(errorType, protocol.functionErrorBody(errorType, errorMessage), options)

/** The runtime's report broke off before its end (connection dropped, injected reset). */
export const truncatedResponse: Outcome = platformError("Runtime.TruncatedResponse", "Runtime response was truncated", {
  reportStatus: "error"
})

export const responseTooLarge = (size: number, limit: number): Outcome =>
  platformError("Function.ResponseSizeTooLarge", protocol.responseTooLargeMessage(size, limit))

export const timedOut = (requestId: string, timeout: Duration.Duration): Outcome =>
  platformError("Sandbox.Timedout", protocol.timeoutMessage(requestId, Duration.toSeconds(timeout)), {
    reportStatus: "timeout"
  })

export const exited = (requestId: string, exit: ExitInfo, options?: { readonly status?: number }): Outcome =>
  platformError("Runtime.ExitError", protocol.exitMessage(requestId, exit.code, exit.signal), {
    ...options,
    reportStatus: "error"
  })

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

/** How streamed responses are limited, as on AWS unless configured otherwise. */
export interface Limits {
  /** Streamed response size limit; AWS's soft limit is 20 MiB. */
  readonly maxResponseBytes: number
  /** `undefined`: no bandwidth cap. */
  readonly bandwidth: Bandwidth | undefined
}

/** The first `burstBytes` go out uncapped, the rest at `bytesPerSecond`. */
export interface Bandwidth {
  readonly burstBytes: number
  readonly bytesPerSecond: number
}

export const defaultBandwidth: Bandwidth = { burstBytes: 6 * 1024 * 1024, bytesPerSecond: 2 * 1024 * 1024 }

/**
 * Between the runtime's streamed POST and an invoker that takes the body as it streams. Plain
 * Invoke has no channel: a streamed response is then buffered, as AWS does.
 */
export interface Channel {
  /** Settled with the content type when the runtime starts a streamed response. */
  readonly opened: Deferred.Deferred<string>
  /** The body as it arrives, then `undefined` once it ended, however it ended. Bounded: backpressure. */
  readonly chunks: Queue.Queue<Uint8Array | undefined>
  /** Settled when the invoker stops reading (gone, or done): the runtime's POST is cut. */
  readonly closed: Deferred.Deferred<void>
}

export const makeChannel: Effect.Effect<Channel> = Effect.all({
  opened: Deferred.make<string>(),
  // A few chunks in flight keep the pipe busy without letting a fast runtime outrun the invoker.
  chunks: Queue.bounded<Uint8Array | undefined>(16),
  closed: Deferred.make<void>()
})

// ---------------------------------------------------------------------------------------------
// Invocations
// ---------------------------------------------------------------------------------------------

/** One invocation from the moment it is accepted by the Invoke API until its outcome is known. */
export interface Invocation {
  readonly requestId: string
  readonly payload: Uint8Array
  readonly contentType: string
  readonly traceId: string
  /** The client context JSON, re-serialised (header-safe). */
  readonly clientContext: string | undefined
  readonly tenantId: string | undefined
  /** `X-Amz-Log-Type: Tail`: the invoker wants the end of the invocation's log. */
  readonly logTail: boolean
  /** An `Event` invocation: nobody waits for its answer. */
  readonly async: boolean
  /** 1 for the first attempt; an `Event` invocation that failed is tried again (same request id). */
  readonly attempt: number
  /** `Date.now()` when the Invoke API accepted it (the first attempt): the event's age runs from here. */
  readonly acceptedAt: number
  /**
   * The invoker waits for END and REPORT (the runtime asked for its next event) rather than for
   * the outcome alone: with `logTail`, and for a caller that stops the emulator right after.
   */
  readonly awaitEnd: boolean
  /** Present when the invoker takes a streamed response as it arrives (InvokeWithResponseStream, Function URL). */
  readonly stream: Channel | undefined
  /** Settled once, by whoever learns the outcome first: the runtime's answer, a timeout, a crash. */
  readonly result: Deferred.Deferred<Outcome>
  /**
   * What the invoker waits for, settled by the dispatcher: once the outcome is known and the
   * output printed before it forwarded, or, with `awaitEnd`, once END and REPORT are out.
   */
  readonly done: Deferred.Deferred<Finished>
}

export interface Finished {
  readonly outcome: Outcome
  /** The invocation's log lines (START to REPORT), kept only when `logTail` was asked. */
  readonly log: ReadonlyArray<string>
}

export const makeInvocation = (fields: Omit<Invocation, "result" | "done">): Effect.Effect<Invocation> =>
  Effect.all({ result: Deferred.make<Outcome>(), done: Deferred.make<Finished>() })
    .pipe(Effect.map((deferreds) => ({ ...fields, ...deferreds })))

/** One attempt at handing an invocation to the runtime; a retry on a new runtime is a new offer. */
export interface Offer {
  readonly invocation: Invocation
  /**
   * Settled once: by `next` with the deadline when the runtime takes the invocation, or failed by
   * the dispatcher when it gives up on this attempt (the queue may still hold the offer; a later
   * `next` that loses this race skips it).
   */
  readonly claim: Deferred.Deferred<number, void>
}

export const makeOffer = (invocation: Invocation): Effect.Effect<Offer> =>
  Effect.map(Deferred.make<number, void>(), (claim) => ({ invocation, claim }))

/** An invocation a runtime holds (handed out by `next`). */
export interface Active {
  readonly invocation: Invocation
  readonly answered: boolean
  /** Settled by the runtime's next `next` after it answered: Lambda ends the invocation there. */
  readonly released: Deferred.Deferred<void>
}

export interface ExitInfo {
  readonly code: number | null
  readonly signal: string | null
}

/**
 * One life of the runtime: a bootstrap process under the supervisor, or, without one, the
 * external runtime between two init failures.
 */
export interface Generation {
  readonly id: number
  readonly pid: number | undefined
  /** `performance.now()` at spawn; init duration runs from here to the first `next`. */
  readonly spawnedAt: number
  /** Settled with `performance.now()` at the first `next`. */
  readonly ready: Deferred.Deferred<number>
  /** Settled by `POST /runtime/init/error`. */
  readonly initError: Deferred.Deferred<Outcome>
  /** Settled when the process is gone; never for an external runtime. */
  readonly exited: Deferred.Deferred<ExitInfo>
}

export const makeGeneration = (id: number, pid: number | undefined, spawnedAt: number): Effect.Effect<Generation> =>
  Effect.all({
    ready: Deferred.make<number>(),
    initError: Deferred.make<Outcome>(),
    exited: Deferred.make<ExitInfo>()
  }).pipe(Effect.map((d) => ({ id, pid, spawnedAt, ...d })))

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/** Settings resolved from `Emulator.Options` and the environment. */
export interface Config {
  readonly functionName: string
  readonly region: string
  readonly timeout: Duration.Duration
  readonly memorySizeMb: number
  /** How long a cold runtime may take to reach its first `next` (Lambda's 10 s init limit). */
  readonly initTimeout: Duration.Duration
  /** Size limit and bandwidth shape of streamed responses. */
  readonly streaming: Limits
  /**
   * `AWS_LAMBDA_MAX_CONCURRENCY` of the function (Lambda Managed Instances): that many
   * invocations in flight, each `next` of the runtime served; 1 for the classic one-at-a-time.
   */
  readonly maxConcurrency: number
  /** Sandboxes (runtime processes) serving invocations at once, each with its own cold start. */
  readonly concurrency: number
  /** Invocations in flight beyond which a synchronous invoke is throttled (429); undefined: none. */
  readonly reservedConcurrency: number | undefined
  /** How failed `Event` invocations are retried, as Lambda's asynchronous invocation settings. */
  readonly asyncRetry: AsyncRetry
}

/** Lambda's asynchronous invocation settings. */
export interface AsyncRetry {
  /** 0..2; Lambda's default 2. */
  readonly maxRetryAttempts: number
  /** An event older than this is not tried again; Lambda's default (and maximum) 6 hours. */
  readonly maxEventAge: Duration.Duration
  /** The wait before the second and the third attempt; Lambda's are about 1 and 2 minutes. */
  readonly retryDelays: readonly [Duration.Duration, Duration.Duration]
}

/**
 * The record Lambda sends an on-failure destination when an `Event` invocation is given up:
 * its retries are spent (`RetriesExhausted`) or the event grew too old (`EventAgeExceeded`).
 */
export interface FailureRecord {
  readonly version: "1.0"
  readonly timestamp: string
  readonly requestContext: {
    readonly requestId: string
    readonly functionArn: string
    readonly condition: "RetriesExhausted" | "EventAgeExceeded"
    readonly approximateInvokeCount: number
  }
  readonly requestPayload: unknown
  readonly responseContext: {
    readonly statusCode: number
    readonly executedVersion: string
    readonly functionError: string
  }
  readonly responsePayload: unknown
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** The figures of an invocation's REPORT line, for observers that show them (the live view). */
export interface Report {
  readonly durationMs: number
  readonly billedDurationMs: number
  readonly memorySizeMb: number
  /** Peak memory of the runtime process, where it can be measured. */
  readonly maxMemoryUsedMb: number | undefined
  /** Present on the first invocation of a runtime process: a cold start. */
  readonly initDurationMs: number | undefined
  /** The runtime process (generation) that served or failed it; a higher one than before is a restart. */
  readonly generation: number | undefined
  /** The sandbox that served it (0 unless `concurrency` > 1); generations count per sandbox. */
  readonly sandbox?: number | undefined
}

/**
 * What observers of the model are told, synchronously and in order. The lifecycle of one
 * invocation: `InvocationAccepted` (queued), `InvocationStarted` (a runtime took it, START),
 * its `Log` lines, `InvocationEnded` (after END and REPORT); or `InvocationThrottled` alone.
 */
export type Event =
  | {
    readonly _tag: "Log"
    readonly line: string
    /** The invocation the line belongs to, when the publisher knows it. */
    readonly requestId?: string | undefined
    /** The sandbox (runtime process slot, `--concurrency`) that printed it; absent: the first. */
    readonly sandbox?: number | undefined
  }
  | { readonly _tag: "RuntimeCall"; readonly call: RuntimeCall }
  | { readonly _tag: "InvocationAccepted"; readonly invocation: Invocation }
  | {
    readonly _tag: "InvocationStarted"
    readonly requestId: string
    /** The sandbox that took it (`concurrency` > 1); absent: the first. */
    readonly sandbox?: number | undefined
  }
  | {
    readonly _tag: "InvocationEnded"
    readonly requestId: string
    readonly outcome: Outcome
    /** The REPORT line's figures; absent when the invocation ended without one. */
    readonly report?: Report | undefined
  }
  /** Refused with 429 before it was queued (reserved concurrency reached). */
  | { readonly _tag: "InvocationThrottled"; readonly requestId: string; readonly payload: Uint8Array }
  /** An `Event` invocation failed and will be tried again after `delayMs` (same request id). */
  | {
    readonly _tag: "InvocationRetrying"
    readonly requestId: string
    readonly attempt: number
    readonly delayMs: number
  }
  /** An `Event` invocation was given up: the record for its on-failure destination. */
  | { readonly _tag: "AsyncInvocationFailed"; readonly record: FailureRecord }

// ---------------------------------------------------------------------------------------------
// The model service
// ---------------------------------------------------------------------------------------------

/** The answer to a report that names an invocation nobody may answer now. */
export type Refusal =
  | { readonly _tag: "UnknownRequestId" }
  | { readonly _tag: "AlreadyAnswered" }

export interface Model {
  readonly config: Config
  /** Whether a supervisor runs the bootstrap (else an external runtime connects). */
  readonly supervised: boolean
  /** Settled when the emulator's scope closes: waiting invokers give up. */
  readonly stopped: Deferred.Deferred<void>

  /** Tells every observer. */
  readonly publish: (event: Event) => void
  /** Adds an observer for the life of the scope. */
  readonly subscribe: (observer: (event: Event) => void) => Effect.Effect<void, never, Scope.Scope>
  readonly log: (line: string) => Effect.Effect<void>

  /** Queues an accepted invocation for the dispatcher, telling observers (`InvocationAccepted`). */
  readonly submit: (invocation: Invocation) => Effect.Effect<void>
  /** The next accepted invocation, in order. */
  readonly takeSubmitted: Effect.Effect<Invocation>

  /** Puts an invocation on offer to the runtime's `next`. */
  readonly offer: (offer: Offer) => Effect.Effect<void>
  /** Waits for an offer (what `next` does). */
  readonly takeOffer: Effect.Effect<Offer>

  readonly generation: Ref.Ref<Generation | undefined>

  /**
   * Request ids between START and END on this model's runtime: whose output a line is
   * (`ownerOf`). Kept by the dispatcher.
   */
  readonly serving: Set<string>

  /**
   * Invocations counted against the reserved concurrency: synchronous ones from acceptance,
   * asynchronous ones from their start, each until its END.
   */
  readonly inFlight: Ref.Ref<number>

  /** Marks an invocation as held by the runtime. */
  readonly hold: (invocation: Invocation) => Effect.Effect<void>
  /** Whether the runtime holds an invocation it has not answered (classic mode refuses a `next` then). */
  readonly holdsUnanswered: Effect.Effect<boolean>
  /** Takes the right to answer `requestId`: the runtime answers each invocation once. */
  readonly claimAnswer: (requestId: string) => Effect.Effect<Invocation | Refusal>
  /**
   * The runtime asked for the next event: an invocation it answered ends (END is printed). One
   * `next` ends every answered invocation of a classic runtime, and the oldest one of a runtime
   * in Managed Instances mode (each of its loops answers, then asks for its next event).
   */
  readonly releaseAnswered: Effect.Effect<void>
  /** Waits until the runtime, having answered `invocation`, asks for the next event. */
  readonly released: (invocation: Invocation) => Effect.Effect<void>
  /** Forgets the invocation (it ended). */
  readonly drop: (invocation: Invocation) => Effect.Effect<void>

  /** Settles the outcome of an invocation, if nothing did before; true when this call did. */
  readonly settle: (invocation: Invocation, outcome: Outcome) => Effect.Effect<boolean>
  /** Ends the invocation a refused or cut report names with `outcome` (no-op when none). */
  readonly endReported: (requestId: string, outcome: Outcome) => Effect.Effect<void>

  readonly addFault: (rule: FaultRule) => Effect.Effect<void>
  /** Counts a Runtime API call and returns its number and the fault to apply to it, if any. */
  readonly checkFault: (
    endpoint: RuntimeEndpoint
  ) => Effect.Effect<{ readonly call: number; readonly fault: Fault | undefined }>
}

export const Model: Context.Tag<Model, Model> = Context.GenericTag<Model>("@effect-lambda/emulator/internal/Model")

interface FaultState {
  readonly counts: Readonly<Record<RuntimeEndpoint, number>>
  readonly rules: ReadonlyArray<FaultRule>
}

const isRefusal = (u: Invocation | Refusal): u is Refusal => "_tag" in u

/**
 * The invocation a line of the runtime's output belongs to: the one being served, or with several
 * (Managed Instances), the one whose request id the line carries (Lambda's log formats do).
 */
export const ownerOf = (serving: ReadonlySet<string>, line: string): string | undefined => {
  if (serving.size === 1) { for (const requestId of serving) return requestId }
  for (const requestId of serving) if (line.includes(requestId)) return requestId
  return undefined
}

export { isRefusal }

export const make = (options: {
  readonly config: Config
  readonly supervised: boolean
  readonly faults: ReadonlyArray<FaultRule> | undefined
}): Effect.Effect<Model, never, Scope.Scope> =>
  Effect.gen(function*() {
    const observers = new Set<(event: Event) => void>()
    const publish = (event: Event) => {
      for (const observer of observers) observer(event)
    }
    const submitted = yield* Queue.unbounded<Invocation>()
    const handoff = yield* Queue.unbounded<Offer>()
    // Keyed by request id; a `Map` so that no id can collide with an object's own keys.
    const active = new Map<string, Active>()
    const faults = yield* Ref.make<FaultState>({
      counts: { next: 0, response: 0, error: 0, "init-error": 0 },
      rules: options.faults ?? []
    })
    const stopped = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() => Deferred.succeed(stopped, undefined))

    const settle = (invocation: Invocation, outcome: Outcome) => Deferred.succeed(invocation.result, outcome)

    const claimAnswer = (requestId: string) =>
      Effect.sync((): Invocation | Refusal => {
        const held = active.get(requestId)
        if (held === undefined) return { _tag: "UnknownRequestId" }
        if (held.answered) return { _tag: "AlreadyAnswered" }
        active.set(requestId, { ...held, answered: true })
        return held.invocation
      })

    const model: Model = {
      config: options.config,
      supervised: options.supervised,
      stopped,
      publish,
      subscribe: (observer) =>
        Effect.acquireRelease(
          Effect.sync(() => observers.add(observer)),
          () => Effect.sync(() => observers.delete(observer))
        ).pipe(Effect.asVoid),
      log: (line) => Effect.sync(() => publish({ _tag: "Log", line })),
      submit: (invocation) =>
        Effect.zipRight(
          Effect.sync(() => publish({ _tag: "InvocationAccepted", invocation })),
          Queue.offer(submitted, invocation)
        ),
      takeSubmitted: Queue.take(submitted),
      offer: (offer) => Queue.offer(handoff, offer),
      takeOffer: Queue.take(handoff),
      generation: yield* Ref.make<Generation | undefined>(undefined),
      inFlight: yield* Ref.make(0),
      serving: new Set<string>(),
      hold: (invocation) =>
        Effect.map(Deferred.make<void>(), (released) => {
          active.set(invocation.requestId, { invocation, answered: false, released })
        }),
      holdsUnanswered: Effect.sync(() => {
        for (const held of active.values()) if (!held.answered) return true
        return false
      }),
      claimAnswer,
      releaseAnswered: Effect.suspend(() => {
        const all = [...active.values()].filter((held) => held.answered)
        // A Map keeps insertion order: the first answered one is the oldest handed out.
        const answered = options.config.maxConcurrency > 1 ? all.slice(0, 1) : all
        // Gone from the model at once: a late report for one of them is an unknown request id.
        for (const held of answered) active.delete(held.invocation.requestId)
        return Effect.forEach(answered, (held) => Deferred.succeed(held.released, undefined), { discard: true })
      }),
      released: (invocation) =>
        Effect.suspend(() => {
          const held = active.get(invocation.requestId)
          return held === undefined ? Effect.void : Deferred.await(held.released)
        }),
      drop: (invocation) =>
        Effect.sync(() => {
          if (active.get(invocation.requestId)?.invocation === invocation) active.delete(invocation.requestId)
        }),
      settle,
      endReported: (requestId, outcome) =>
        Effect.flatMap(
          claimAnswer(requestId),
          (claimed) => isRefusal(claimed) ? Effect.void : settle(claimed, outcome)
        ),
      addFault: (rule) => Ref.update(faults, (s) => ({ ...s, rules: [...s.rules, rule] })),
      checkFault: (endpoint) =>
        Ref.modify(faults, (s): [{ readonly call: number; readonly fault: Fault | undefined }, FaultState] => {
          const call = s.counts[endpoint] + 1
          const counts = { ...s.counts, [endpoint]: call }
          const index = s.rules.findIndex((r) =>
            (r.endpoint === "any" || r.endpoint === endpoint) && (r.call === undefined || r.call === call)
          )
          if (index < 0) return [{ call, fault: undefined }, { counts, rules: s.rules }]
          const rule = s.rules[index]!
          const rules = rule.once === false ? s.rules : s.rules.filter((_, i) => i !== index)
          return [{ call, fault: rule.fault }, { counts, rules }]
        })
    }
    return model
  })
