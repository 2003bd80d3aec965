/**
 * The Telemetry API (`PUT /2022-07-01/telemetry`): an extension subscribes during init to
 * `platform`, `function` and `extension` events, which Lambda POSTs in batches (a JSON array,
 * buffered by `maxItems`, `maxBytes`, `timeoutMs`) to the subscriber's HTTP endpoint,
 * `http://sandbox.localdomain:<port>/…` (here 127.0.0.1, as AWS's emulator maps it). Events keep
 * Lambda's shapes: `{time, type, record}`.
 *
 * Events emitted during init before a subscription (platform.initStart, the extension's own
 * output) are kept for the sandbox and delivered to each subscriber, so that an extension sees
 * its environment's init as on Lambda.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Http from "node:http"
import * as body from "./body.js"
import * as host from "./extensionsHost.js"
import { header, incoming, json, method } from "./http.js"
import type * as model from "./model.js"
import * as protocol from "./protocol.js"

export const path = "/2022-07-01/telemetry"

type Category = host.TelemetryCategory

const categories: ReadonlyArray<Category> = ["platform", "function", "extension"]

/** Schema versions Lambda accepts for a subscription. */
const schemaVersions: ReadonlyArray<string> = ["2022-07-01", "2022-12-13", "2025-01-29"]

type Buffering = host.TelemetrySubscription["buffering"]

/** Lambda's defaults and bounds (Telemetry API reference, "Configuring memory usage and buffering"). */
export const defaultBuffering: Buffering = { maxItems: 10_000, maxBytes: 262_144, timeoutMs: 1_000 }
const bounds = {
  maxItems: [1_000, 10_000],
  maxBytes: [262_144, 1_048_576],
  timeoutMs: [25, 30_000]
} as const

interface Subscriber {
  readonly name: string
  readonly sandbox: host.Sandbox
  readonly port: number
  readonly pathname: string
  readonly types: ReadonlySet<Category>
  readonly buffering: Buffering
  batch: Array<string>
  bytes: number
  timer: ReturnType<typeof setTimeout> | undefined
  /** Batches waiting to be POSTed, one at a time, in order. */
  readonly outbox: Array<string>
  sending: boolean
}

export interface TelemetryEvent {
  readonly time: string
  readonly type: string
  readonly record: unknown
}

/** What a subscription request gets wrong, as Lambda words it (400 ValidationError). */
export const validate = (value: unknown): host.TelemetrySubscription | string => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "the body must be a JSON object"
  const request = value as Record<string, unknown>
  if (typeof request.schemaVersion !== "string" || !schemaVersions.includes(request.schemaVersion)) {
    return `schemaVersion must be one of ${schemaVersions.join(", ")}`
  }
  const types = request.types
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => categories.includes(t))) {
    return "types must be a non-empty array of \"platform\", \"function\", \"extension\""
  }
  const destination = request.destination as Record<string, unknown> | undefined
  if (destination === undefined || destination === null || typeof destination !== "object") {
    return "destination is required"
  }
  if (destination.protocol !== "HTTP") return "destination.protocol must be HTTP (TCP is not supported by the emulator)"
  if (typeof destination.URI !== "string") return "destination.URI is required"
  let url: URL
  try {
    url = new URL(destination.URI)
  } catch {
    return `Invalid destination: could not parse destination.URI ${JSON.stringify(destination.URI)}`
  }
  // Lambda takes sandbox.localdomain only; a loopback name is accepted too, for extensions told
  // to listen on 127.0.0.1 locally (sandbox.localdomain does not resolve off Lambda).
  if (!["sandbox.localdomain", "sandbox", "127.0.0.1", "localhost"].includes(url.hostname)) {
    return "Invalid destination: destination.URI host must be sandbox.localdomain"
  }
  const port = Number(url.port)
  if (!Number.isInteger(port) || port < 1 || port > 65535) return "Invalid destination: destination.URI needs a port"
  const buffering: { -readonly [K in keyof Buffering]: number } = { ...defaultBuffering }
  if (request.buffering !== undefined) {
    if (request.buffering === null || typeof request.buffering !== "object") return "buffering must be an object"
    for (const key of ["maxItems", "maxBytes", "timeoutMs"] as const) {
      const given = (request.buffering as Record<string, unknown>)[key]
      if (given === undefined) continue
      const [min, max] = bounds[key]
      if (typeof given !== "number" || !Number.isInteger(given) || given < min || given > max) {
        return `buffering.${key} must be an integer from ${min} to ${max}`
      }
      buffering[key] = given
    }
  }
  return { types: types as ReadonlyArray<Category>, port, pathname: url.pathname + url.search, buffering }
}

const capitalised = (category: Category) => category[0]!.toUpperCase() + category.slice(1)

/** How many init events a sandbox keeps for subscriptions still to come. */
const initBacklogLimit = 1_000

export const make = (options: {
  readonly current: () => host.Sandbox | undefined
  readonly log: (line: string) => void
}): host.Telemetry => {
  const subscribers = new Set<Subscriber>()
  const backlogs = new WeakMap<host.Sandbox, Array<{ readonly category: Category; readonly event: string }>>()

  const post = (subscriber: Subscriber, payload: string) =>
    new Promise<void>((resolve) => {
      const req = Http.request({
        host: "127.0.0.1",
        port: subscriber.port,
        path: subscriber.pathname === "" ? "/" : subscriber.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        agent: false,
        timeout: 5_000
      }, (res) => {
        res.resume()
        res.on("end", () => resolve())
        res.on("error", () => resolve())
      })
      // A subscriber that is gone or slow loses the batch, as on Lambda once its retries ran out.
      req.on("error", () => resolve())
      req.on("timeout", () => req.destroy())
      req.end(payload)
    })

  const pump = (subscriber: Subscriber) => {
    if (subscriber.sending) return
    const payload = subscriber.outbox.shift()
    if (payload === undefined) return
    subscriber.sending = true
    void post(subscriber, payload).then(() => {
      subscriber.sending = false
      pump(subscriber)
    })
  }

  const flush = (subscriber: Subscriber) => {
    if (subscriber.timer !== undefined) clearTimeout(subscriber.timer)
    subscriber.timer = undefined
    if (subscriber.batch.length === 0) return
    subscriber.outbox.push(`[${subscriber.batch.join(",")}]`)
    subscriber.batch = []
    subscriber.bytes = 0
    pump(subscriber)
  }

  const deliver = (subscriber: Subscriber, event: string) => {
    subscriber.batch.push(event)
    subscriber.bytes += Buffer.byteLength(event)
    if (subscriber.batch.length >= subscriber.buffering.maxItems || subscriber.bytes >= subscriber.buffering.maxBytes) {
      flush(subscriber)
    } else if (subscriber.timer === undefined) {
      subscriber.timer = setTimeout(() => flush(subscriber), subscriber.buffering.timeoutMs)
      subscriber.timer.unref()
    }
  }

  const emit = (category: Category, type: string, record: unknown) => {
    const sandbox = options.current()
    if (sandbox === undefined) return
    const event = JSON.stringify({ time: new Date().toISOString(), type, record })
    if (!sandbox.initDone) {
      let backlog = backlogs.get(sandbox)
      if (backlog === undefined) backlogs.set(sandbox, backlog = [])
      if (backlog.length < initBacklogLimit) backlog.push({ category, event })
    }
    for (const subscriber of subscribers) {
      if (subscriber.sandbox === sandbox && subscriber.types.has(category)) deliver(subscriber, event)
    }
  }

  return {
    emit,
    subscribe: (sandbox, name, subscription) => {
      for (const existing of subscribers) {
        if (existing.sandbox === sandbox && existing.name === name) {
          if (existing.timer !== undefined) clearTimeout(existing.timer)
          subscribers.delete(existing)
        }
      }
      const subscriber: Subscriber = {
        name,
        sandbox,
        port: subscription.port,
        pathname: subscription.pathname,
        types: new Set(subscription.types),
        buffering: subscription.buffering,
        batch: [],
        bytes: 0,
        timer: undefined,
        outbox: [],
        sending: false
      }
      subscribers.add(subscriber)
      const types = categories.filter((c) => subscriber.types.has(c))
      options.log(`TELEMETRY\tName: ${name}\tState: Subscribed\tTypes: [${types.map(capitalised).join(", ")}]`)
      for (const { category, event } of backlogs.get(sandbox) ?? []) {
        if (subscriber.types.has(category)) deliver(subscriber, event)
      }
      emit("platform", "platform.telemetrySubscription", { name, state: "Subscribed", types })
    },
    close: (sandbox) =>
      Effect.promise(() => {
        const closing = [...subscribers].filter((s) => s.sandbox === sandbox)
        for (const subscriber of closing) {
          subscribers.delete(subscriber)
          flush(subscriber)
        }
        // What is in flight or queued goes out before the extensions get SHUTDOWN, briefly.
        return Promise.race([
          Promise.all(closing.map((s) =>
            new Promise<void>((resolve) => {
              const check = () => s.outbox.length === 0 && !s.sending ? resolve() : setTimeout(check, 10)
              check()
            })
          )),
          new Promise<void>((resolve) => setTimeout(resolve, 1_000))
        ]).then(() => undefined)
      })
  }
}

const forbidden = (errorType: string, errorMessage: string) =>
  json(403, protocol.runtimeApiErrorBody(errorType, errorMessage))

const validationError = (errorMessage: string) => json(400, { errorType: "ValidationError", errorMessage })

const subscribe = Effect.gen(function*() {
  const h = yield* Effect.serviceOption(host.ExtensionsHost)
  if (Option.isNone(h)) return json(404, protocol.runtimeApiErrorBody("NotFound", "404 page not found"))
  const extensions = h.value
  const id = yield* header("lambda-extension-identifier")
  if (id === undefined || id === "") {
    return forbidden("Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header")
  }
  const found = extensions.find(id.toLowerCase())
  if (found === undefined) return forbidden("Extension.UnknownExtensionIdentifier", `Unknown extension ${id}`)
  const read = yield* body.read(yield* incoming, protocol.maxPayloadSize).pipe(Effect.either)
  if (read._tag === "Left") return json(400, protocol.truncatedHttpRequest)
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(read.right.bytes).toString("utf8"))
  } catch (error) {
    return validationError(`Invalid JSON: ${(error as Error).message}`)
  }
  const subscription = validate(parsed)
  if (typeof subscription === "string") return validationError(subscription)
  // Subscriptions are taken during init only.
  if (found.sandbox.initDone || found.sandbox.ended) {
    return forbidden("Telemetry.SubscriptionClosed", "Telemetry API subscription is closed already")
  }
  extensions.telemetry.subscribe(found.sandbox, found.extension.name, subscription)
  return json(200, "OK")
})

/**
 * The Logs API (2020-08-15), which the Telemetry API superseded, answered as AWS's emulator
 * answers it: accepted, but not supported (no logs are sent), so that an older extension goes on.
 */
const logsApiStub = json(202, protocol.runtimeApiErrorBody("Logs.NotSupported", "Logs API is not supported"))

/** `PUT /2022-07-01/telemetry`, and the Logs API's stub at `PUT /2020-08-15/logs`. */
export const router = HttpRouter.empty.pipe(
  HttpRouter.all(
    path,
    method("PUT", subscribe),
    { uninterruptible: true }
  ),
  HttpRouter.all(
    "/2020-08-15/logs",
    method("PUT", Effect.succeed(logsApiStub))
  )
)

/** A function's log line as Lambda's `function` record: the JSON object of a JSON-format line, else the text. */
export const functionRecord = (line: string): unknown => {
  if (line.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(line)
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed
    } catch {
      // text after all
    }
  }
  return line
}

const status = (outcome: model.Outcome): "success" | "error" | "failure" | "timeout" =>
  outcome.errorType === undefined
    ? "success"
    : outcome.reportStatus === "timeout"
    ? "timeout"
    : outcome.reportStatus === "error"
    ? "failure"
    : "error"

/**
 * The model's invocation events as Lambda's platform events: `platform.start` at START,
 * `platform.runtimeDone` and `platform.report` at REPORT.
 */
export const observe = (telemetry: host.Telemetry) => (event: model.Event): void => {
  if (event._tag === "InvocationStarted") {
    telemetry.emit("platform", "platform.start", { requestId: event.requestId, version: protocol.functionVersion })
  } else if (event._tag === "InvocationEnded") {
    const outcome = event.outcome
    const result = status(outcome)
    const errorType = outcome.errorType === undefined ? {} : { errorType: outcome.errorType }
    const report = event.report
    telemetry.emit("platform", "platform.runtimeDone", {
      requestId: event.requestId,
      status: result,
      ...errorType,
      ...(report === undefined ? {} : {
        metrics: { durationMs: report.durationMs, producedBytes: outcome.payload.length }
      })
    })
    telemetry.emit("platform", "platform.report", {
      requestId: event.requestId,
      status: result,
      ...errorType,
      metrics: report === undefined ? {} : {
        durationMs: report.durationMs,
        billedDurationMs: report.billedDurationMs,
        memorySizeMB: report.memorySizeMb,
        ...(report.maxMemoryUsedMb === undefined ? {} : { maxMemoryUsedMB: report.maxMemoryUsedMb }),
        ...(report.initDurationMs === undefined ? {} : { initDurationMs: report.initDurationMs })
      }
    })
  }
}
