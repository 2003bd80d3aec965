/**
 * The data the Runtime API, the Invoke API and the dispatcher share.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Queue from "effect/Queue"
import type * as Ref from "effect/Ref"
import type { Faults } from "./faults.js"
import * as protocol from "./protocol.js"
import type { Channel, Limits } from "./streaming.js"

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

/** One invocation from the moment it is accepted by the Invoke API until its outcome is known. */
export interface Invocation {
  readonly requestId: string
  readonly payload: Uint8Array
  readonly contentType: string
  readonly traceId: string
  readonly clientContext: string | undefined
  readonly tenantId: string | undefined
  /** `X-Amz-Log-Type: Tail`: the invoker wants the end of the invocation's log. */
  readonly logTail: boolean
  /** Present when the invoker takes a streamed response as it arrives (InvokeWithResponseStream, Function URL). */
  readonly stream: Channel | undefined
  /** Settled once, by whoever learns the outcome first: the runtime's answer, a timeout, a crash. */
  readonly result: Deferred.Deferred<Outcome>
  /** Settled by the dispatcher once END and REPORT are printed: what the invoker waits for. */
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

/** The invocation the runtime currently holds (handed out by `next`). */
export interface Active {
  readonly invocation: Invocation
  readonly answered: boolean
}

/** Settings resolved from `Emulator.Options` and the environment. */
export interface Config {
  readonly functionName: string
  readonly region: string
  readonly timeoutSeconds: number
  readonly memorySizeMb: number
  /** How long a cold runtime may take to reach its first `next` (Lambda's 10 s init limit). */
  readonly initTimeoutSeconds: number
  /** Size limit and bandwidth shape of streamed responses. */
  readonly streaming: Limits
  readonly onLog: (line: string) => void
}

/** The shared state of one emulator. */
export interface Core {
  readonly config: Config
  readonly supervised: boolean
  /** Invocations accepted by the Invoke API, served one at a time in order. */
  readonly pending: Queue.Queue<Invocation>
  /** The invocation on offer to the runtime's `next` (at most one live entry). */
  readonly handoff: Queue.Queue<Offer>
  readonly active: Ref.Ref<Active | undefined>
  readonly generation: Ref.Ref<Generation | undefined>
  readonly faults: Faults
  /** Settled when the emulator's scope closes: waiting invokers give up. */
  readonly stopped: Deferred.Deferred<void>
}
