/**
 * The live view at `GET /`: a page (`liveViewPage.ts`) that shows every invocation as it
 * happens. It keeps a bounded history of the model's invocation lifecycle events (so a page
 * opened later shows past invocations), sends it and every change as server-sent events on
 * `GET /_live/events`, and invokes the function for the page's form on `POST /_live/invoke`.
 *
 * The page is served by the emulator's main server, behind its `Host` check (DNS rebinding).
 * The invoke route needs a custom header and a same-origin request: a web page elsewhere can
 * neither send the header without a CORS preflight (which nothing here answers) nor pass the
 * `Origin` check.
 *
 * @internal
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as body from "./body.js"
import { headerOf, json } from "./http.js"
import * as invoke from "./invoke.js"
import { page } from "./liveViewPage.js"
import * as model from "./model.js"
import * as protocol from "./protocol.js"

/** How many invocations the history keeps; older ones are forgotten first. */
export const historySize = 200
/** Bytes of an event or a response kept for the page; the rest is cut (6 MB each would add up). */
export const payloadLimit = 64 * 1024
/** Log lines kept per invocation. */
export const logLimit = 500
/** Characters kept of one log line. */
export const lineLimit = 16 * 1024
/** Messages a page may fall behind by before its stream is ended (it reconnects and starts afresh). */
const clientBacklog = 10_000

/** The header the page's invoke requests carry: a cross-origin page cannot send it without a preflight. */
export const invokeHeader = "x-effect-lambda-live"

/** How an invocation ended, as the page groups them. */
export type Kind = "ok" | "error" | "timeout" | "crash" | "throttled"

/** What the page shows of one invocation: plain JSON. */
export interface Entry {
  readonly requestId: string
  /** Epoch milliseconds. */
  acceptedAt: number
  startedAt: number | undefined
  endedAt: number | undefined
  state: "queued" | "running" | "done"
  /** Times the invocation was queued (a retried asynchronous invocation is queued again). */
  attempts: number
  /** An `Event` invocation: nobody waited for its answer. */
  readonly async: boolean
  /** The sandbox (runtime process slot of `--concurrency`) that took it. */
  sandbox: number | undefined
  /** A failed `Event` invocation to be tried again: when (epoch milliseconds), as which attempt. */
  retry: { readonly at: number; readonly attempt: number } | undefined
  /** The record sent to the on-failure destination once the invocation was given up. */
  onFailure: model.FailureRecord | undefined
  readonly event: string
  readonly eventBytes: number
  readonly eventTruncated: boolean
  outcome: EntryOutcome | undefined
  report: model.Report | undefined
  cold: boolean
  /** A cold start of a runtime process other than the first: the runtime was restarted. */
  restart: boolean
  logs: Array<string>
  logsDropped: number
}

export interface EntryOutcome {
  readonly kind: Kind
  readonly status: number
  readonly functionError: string | undefined
  readonly errorType: string | undefined
  readonly body: string
  readonly bodyBytes: number
  readonly bodyTruncated: boolean
}

/** The messages of `GET /_live/events`, as JSON `data:` lines. */
export type Message =
  | {
    readonly type: "snapshot"
    readonly function: {
      readonly name: string
      readonly memorySizeMb: number
      readonly timeoutSeconds: number
      /** Sandboxes (`--concurrency`). */
      readonly concurrency: number
    }
    readonly entries: ReadonlyArray<Entry>
  }
  | { readonly type: "entry"; readonly entry: Entry }
  | { readonly type: "log"; readonly requestId: string; readonly line: string }

const decoder = new TextDecoder()

const text = (bytes: Uint8Array) => ({
  text: decoder.decode(bytes.length > payloadLimit ? bytes.subarray(0, payloadLimit) : bytes),
  bytes: bytes.length,
  truncated: bytes.length > payloadLimit
})

/**
 * An invocation the page has not seen yet (accepted, or throttled before it was), with its event
 * shown; what differs between the two comes in `first`.
 */
const newEntry = (
  requestId: string,
  payload: Uint8Array,
  first: Pick<Entry, "acceptedAt" | "endedAt" | "state" | "attempts" | "async" | "outcome">
): Entry => {
  const shown = text(payload)
  return {
    requestId,
    startedAt: undefined,
    sandbox: undefined,
    retry: undefined,
    onFailure: undefined,
    event: shown.text,
    eventBytes: shown.bytes,
    eventTruncated: shown.truncated,
    report: undefined,
    cold: false,
    restart: false,
    logs: [],
    logsDropped: 0,
    ...first
  }
}

/** Timeouts and crashes are told apart from function errors by the platform's error types. */
export const kindOf = (outcome: model.Outcome): Kind => {
  if (outcome.status === 429 || outcome.errorType === "TooManyRequestsException") return "throttled"
  if (
    outcome.reportStatus === "timeout" || outcome.errorType === "Sandbox.Timedout" ||
    outcome.errorType === "Runtime.Timeout"
  ) return "timeout"
  if (outcome.reportStatus === "error" || outcome.errorType === "Runtime.ExitError") return "crash"
  if (outcome.functionError !== undefined || outcome.status >= 300) return "error"
  return "ok"
}

const entryOutcome = (outcome: model.Outcome): EntryOutcome => {
  const shown = text(outcome.payload)
  return {
    kind: kindOf(outcome),
    status: outcome.status,
    functionError: outcome.functionError,
    errorType: outcome.errorType,
    body: shown.text,
    bodyBytes: shown.bytes,
    bodyTruncated: shown.truncated
  }
}

/** Server-sent event framing: one `data:` line (JSON has no raw newlines). */
const frame = (message: Message): string => `data: ${JSON.stringify(message)}\n\n`

export interface LiveView {
  /** The history and every change after it, as server-sent event frames. */
  readonly frames: Stream.Stream<string>
  /**
   * Invokes the function with `payload` as the page does: returns once the invocation is queued
   * (its request id), or with the Invoke API's refusal.
   */
  readonly invoke: (
    payload: Uint8Array
  ) => Effect.Effect<{ readonly requestId: string } | { readonly refused: invoke.InvokeOutput }>
}

export const LiveView: Context.Tag<LiveView, LiveView> = Context.GenericTag<LiveView>(
  "@effect-lambda/emulator/internal/LiveView"
)

/** Subscribes to the model for the life of the scope: call before anything can be invoked. */
export const make = (emulator: model.Model): Effect.Effect<LiveView, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Insertion order is age: the first key is the oldest invocation.
    const history = new Map<string, Entry>()
    const running = new Map<string, Entry>()
    const queued = new Map<string, Entry>()
    const clients = new Set<Queue.Queue<string>>()
    // Invokes from the page waiting for their invocation to be queued.
    const waiting = new Map<string, Deferred.Deferred<void>>()
    // The first runtime process of each sandbox: a cold start of a later one is a restart.
    const firstGeneration = new Map<number, number>()

    const broadcast = (message: Message) => {
      if (clients.size === 0) return
      const data = frame(message)
      for (const client of clients) {
        if (!Queue.unsafeOffer(client, data)) {
          // Too far behind to catch up message by message: its stream ends, the page reconnects.
          clients.delete(client)
          Effect.runFork(Queue.shutdown(client))
        }
      }
    }

    /**
     * The invocation a log line without a request id belongs to, as best as can be told: one
     * whose id the line names, else the latest one running in the sandbox that printed it.
     */
    const owner = (line: string, sandbox: number): Entry | undefined => {
      let last: Entry | undefined = undefined
      for (const entry of running.values()) {
        if (line.includes(entry.requestId)) return entry
        if ((entry.sandbox ?? 0) === sandbox) last = entry
      }
      if (last !== undefined) return last
      // Nothing runs: the output of a runtime starting for the oldest queued invocation.
      for (const entry of queued.values()) return entry
      return undefined
    }

    const remember = (entry: Entry) => {
      history.delete(entry.requestId)
      history.set(entry.requestId, entry)
      for (const oldest of history.keys()) {
        if (history.size <= historySize) break
        history.delete(oldest)
        queued.delete(oldest)
        running.delete(oldest)
      }
    }

    const onEvent = (event: model.Event) => {
      switch (event._tag) {
        case "InvocationAccepted": {
          const { invocation } = event
          const known = history.get(invocation.requestId)
          if (known !== undefined) {
            known.attempts = Math.max(known.attempts + 1, invocation.attempt)
            known.retry = undefined
            known.state = "queued"
            queued.set(known.requestId, known)
            broadcast({ type: "entry", entry: known })
          } else {
            const entry = newEntry(invocation.requestId, invocation.payload, {
              // Wall-clock time for the page; durations come from the REPORT figures.
              acceptedAt: Date.now(),
              endedAt: undefined,
              state: "queued",
              attempts: invocation.attempt,
              async: invocation.async,
              outcome: undefined
            })
            remember(entry)
            queued.set(entry.requestId, entry)
            broadcast({ type: "entry", entry })
          }
          const waiter = waiting.get(invocation.requestId)
          if (waiter !== undefined) Deferred.unsafeDone(waiter, Exit.void)
          return
        }
        case "InvocationStarted": {
          const entry = history.get(event.requestId)
          if (entry === undefined) return
          queued.delete(entry.requestId)
          running.set(entry.requestId, entry)
          entry.state = "running"
          entry.sandbox = event.sandbox
          entry.startedAt = Date.now()
          broadcast({ type: "entry", entry })
          return
        }
        case "Log": {
          const entry = event.requestId === undefined
            ? owner(event.line, event.sandbox ?? 0)
            : history.get(event.requestId)
          if (entry === undefined) return
          if (entry.logs.length >= logLimit) {
            entry.logs.shift()
            entry.logsDropped += 1
          }
          const line = event.line.length > lineLimit
            ? `${event.line.slice(0, lineLimit)}... (${event.line.length - lineLimit} more characters)`
            : event.line
          entry.logs.push(line)
          broadcast({ type: "log", requestId: entry.requestId, line })
          return
        }
        case "InvocationEnded": {
          const entry = history.get(event.requestId)
          if (entry === undefined) return
          queued.delete(entry.requestId)
          running.delete(entry.requestId)
          const generation = event.report?.generation
          const sandbox = event.report?.sandbox ?? 0
          if (generation !== undefined && !firstGeneration.has(sandbox)) firstGeneration.set(sandbox, generation)
          entry.sandbox = event.report?.sandbox ?? entry.sandbox
          entry.state = "done"
          entry.endedAt = Date.now()
          entry.outcome = entryOutcome(event.outcome)
          entry.report = event.report
          entry.cold = event.report?.initDurationMs !== undefined
          entry.restart = entry.cold && generation !== undefined && generation !== firstGeneration.get(sandbox)
          broadcast({ type: "entry", entry })
          return
        }
        case "InvocationThrottled": {
          const now = Date.now()
          const entry = newEntry(event.requestId, event.payload, {
            acceptedAt: now,
            endedAt: now,
            state: "done",
            attempts: 1,
            async: false,
            outcome: {
              kind: "throttled",
              status: 429,
              functionError: undefined,
              errorType: "TooManyRequestsException",
              body: "",
              bodyBytes: 0,
              bodyTruncated: false
            }
          })
          remember(entry)
          broadcast({ type: "entry", entry })
          return
        }
        case "InvocationRetrying": {
          const entry = history.get(event.requestId)
          if (entry === undefined) return
          entry.retry = { at: Date.now() + event.delayMs, attempt: event.attempt }
          broadcast({ type: "entry", entry })
          return
        }
        case "AsyncInvocationFailed": {
          const entry = history.get(event.record.requestContext.requestId)
          if (entry === undefined) return
          entry.retry = undefined
          entry.onFailure = event.record
          broadcast({ type: "entry", entry })
          return
        }
        case "RuntimeCall":
          return
      }
    }
    yield* emulator.subscribe(onEvent)

    const snapshot = (): Message => ({
      type: "snapshot",
      function: {
        name: emulator.config.functionName,
        memorySizeMb: emulator.config.memorySizeMb,
        timeoutSeconds: Duration.toSeconds(emulator.config.timeout),
        concurrency: emulator.config.concurrency
      },
      entries: [...history.values()]
    })

    const frames: Stream.Stream<string> = Stream.unwrapScoped(Effect.gen(function*() {
      const client = yield* Queue.bounded<string>(clientBacklog)
      // Registered and snapshotted in one step: no change is lost or sent twice in between.
      const first = yield* Effect.acquireRelease(
        Effect.sync(() => {
          clients.add(client)
          return frame(snapshot())
        }),
        () => Effect.sync(() => clients.delete(client))
      )
      // A comment now and then: a page that went away is noticed, proxies keep the stream open.
      const heartbeat = Stream.tick(Duration.seconds(15)).pipe(Stream.drop(1), Stream.as(": keep-alive\n\n"))
      return Stream.make("retry: 1000\n\n", first).pipe(
        Stream.concat(Stream.merge(Stream.fromQueue(client), heartbeat, { haltStrategy: "left" }))
      )
    }))

    const fibers = yield* FiberSet.make<invoke.InvokeOutput, unknown>()
    const invokeFromPage = (payload: Uint8Array) =>
      Effect.gen(function*() {
        const requestId = protocol.newRequestId()
        const accepted = yield* Deferred.make<void>()
        waiting.set(requestId, accepted)
        const fiber = yield* FiberSet.run(
          fibers,
          invoke.handle({
            requestId,
            payload,
            size: payload.length,
            invocationType: undefined,
            clientContext: undefined,
            tenantId: undefined,
            logType: undefined,
            traceId: undefined,
            contentType: "application/json"
          }).pipe(
            Effect.catchTag(
              "EmulatorStopped",
              () => Effect.succeed(invoke.awsError(requestId, 503, "ServiceException", "The emulator is shutting down"))
            ),
            Effect.provideService(model.Model, emulator)
          )
        )
        return yield* Effect.raceFirst(
          Deferred.await(accepted).pipe(Effect.as({ requestId })),
          // Answered without being queued: a refusal (not JSON, too large, throttled).
          Fiber.join(fiber).pipe(Effect.map((refused) => ({ refused })))
        ).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(requestId))))
      })

    return { frames, invoke: invokeFromPage } satisfies LiveView
  })

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

const pageRoute = Effect.succeed(
  HttpServerResponse.text(page, {
    contentType: "text/html; charset=utf-8",
    headers: {
      "cache-control": "no-store",
      // Inline script and style only; nothing from elsewhere, no framing by another site.
      "content-security-policy":
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'",
      "x-content-type-options": "nosniff"
    }
  })
)

const eventsRoute = Effect.map(LiveView, (live) =>
  HttpServerResponse.stream(Stream.encodeText(live.frames), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" }
  }))

/**
 * Whether a request comes from the page itself: the custom header (a cross-origin page would
 * need a preflight for it), and an `Origin`, when sent, that is this server's.
 */
export const isFromPage = (headers: Readonly<Record<string, string | Array<string> | undefined>>): boolean => {
  if (headerOf({ headers }, invokeHeader) === undefined) return false
  const origin = headerOf({ headers }, "origin")
  if (origin !== undefined && origin !== `http://${headerOf({ headers }, "host") ?? ""}`) return false
  const site = headerOf({ headers }, "sec-fetch-site")
  return site === undefined || site === "same-origin" || site === "none"
}

const invokeRoute = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const req = NodeHttpServerRequest.toIncomingMessage(request)
  if (!isFromPage(req.headers)) {
    return json(403, { message: `Only the live view page may invoke here (it sends ${invokeHeader})` })
  }
  const read = yield* body.read(req, protocol.maxRequestSize).pipe(Effect.either)
  if (read._tag === "Left") return HttpServerResponse.empty({ status: 400 })
  if (read.right.overLimit) {
    return json(413, { message: `The event must be smaller than ${protocol.maxRequestSize} bytes` })
  }
  const live = yield* LiveView
  const result = yield* live.invoke(read.right.bytes)
  if ("requestId" in result) return json(202, { requestId: result.requestId })
  const { refused } = result
  return json(refused.status, {
    requestId: refused.requestId,
    message: decoder.decode(refused.body)
  })
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", pageRoute),
  HttpRouter.get("/_live/events", eventsRoute),
  HttpRouter.post("/_live/invoke", invokeRoute)
)
