/**
 * Fault injection on the Runtime API, for the reliability tests of issue 5. Rules match an
 * endpoint (or any) and optionally the n-th call of it, counted from the emulator's start. Every
 * Runtime API call also goes to an optional observer, so a test can check what the runtime sent
 * (one report per request id, no second response after a reset) without a proxy.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type * as Http from "node:http"
import * as protocol from "./protocol.js"
import * as state from "./state.js"

export type RuntimeEndpoint = "next" | "response" | "error" | "init-error"

/** What a malformed `next` answer gets wrong. */
export type Malformation = "NoRequestId" | "BadDeadline" | "InvalidJson"

export type Fault =
  | { readonly _tag: "Status"; readonly status: number }
  | { readonly _tag: "Delay"; readonly millis: number }
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

interface FaultState {
  readonly counts: Readonly<Record<RuntimeEndpoint, number>>
  readonly rules: ReadonlyArray<FaultRule>
}

export interface Faults {
  readonly add: (rule: FaultRule) => Effect.Effect<void>
  /** Counts the call and returns its number and the fault to apply to it, if any. */
  readonly check: (endpoint: RuntimeEndpoint) => Effect.Effect<{ readonly call: number; readonly fault: Fault | undefined }>
  readonly record: (call: RuntimeCall) => void
}

export const make = (options: {
  readonly rules?: ReadonlyArray<FaultRule> | undefined
  readonly onCall?: ((call: RuntimeCall) => void) | undefined
} = {}): Effect.Effect<Faults> =>
  Effect.map(
    Ref.make<FaultState>({ counts: { next: 0, response: 0, error: 0, "init-error": 0 }, rules: options.rules ?? [] }),
    (ref) => ({
      add: (rule) => Ref.update(ref, (s) => ({ ...s, rules: [...s.rules, rule] })),
      check: (endpoint) =>
        Ref.modify(ref, (s): [{ readonly call: number; readonly fault: Fault | undefined }, FaultState] => {
          const call = s.counts[endpoint] + 1
          const counts = { ...s.counts, [endpoint]: call }
          const index = s.rules.findIndex((r) =>
            (r.endpoint === "any" || r.endpoint === endpoint) && (r.call === undefined || r.call === call)
          )
          if (index < 0) return [{ call, fault: undefined }, { counts, rules: s.rules }]
          const rule = s.rules[index]!
          const rules = rule.once === false ? s.rules : s.rules.filter((_, i) => i !== index)
          return [{ call, fault: rule.fault }, { counts, rules }]
        }),
      record: options.onCall ?? (() => {})
    })
  )

/** One Runtime API endpoint, as `serve` needs it. */
export interface Route<E, R> {
  readonly name: RuntimeEndpoint
  /** The normal answer. */
  readonly handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  /**
   * Ends the invocation a report names with `outcome`, as the emulator does when it refuses a
   * report on its own (413, truncated body). No-op for `next` and `init/error`.
   */
  readonly end: (outcome: state.Outcome) => Effect.Effect<void, never, HttpRouter.RouteContext>
}

const json = (status: number, value: unknown) => HttpServerResponse.unsafeJson(value, { status })

const faultBody = (status: number) => {
  switch (status) {
    case 400:
      return protocol.invalidRequestId
    case 403:
      return protocol.invalidStateTransition("Ready", "Ready")
    case 413:
      return protocol.requestEntityTooLarge
    case 500:
      return protocol.internalServerError
    default:
      return protocol.runtimeApiErrorBody("InjectedFault", `Injected status ${status}`)
  }
}

/**
 * How the invoker learns that its runtime's report was refused: the refusal is the platform's
 * last word on the invocation (as after a real 413), so the runtime may poll `next` again. A 500
 * ends nothing: the runtime is expected to exit, and the emulator reports that crash instead.
 */
const refusedOutcome = (endpoint: RuntimeEndpoint, status: number): state.Outcome =>
  status === 413
    ? state.platformError("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (injected fault).")
    : state.platformError("Runtime.InjectedFault", `The Runtime API answered ${status} to the ${endpoint} report (injected fault).`)

const truncatedOutcome = state.platformError("Runtime.TruncatedResponse", "Runtime response was truncated")

const dropped = HttpServerResponse.empty({ status: 500 })

const headerOf = (headers: Http.IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value.join(",") : value
}

const bodyBytes = (response: HttpServerResponse.HttpServerResponse): Uint8Array =>
  response.body._tag === "Uint8Array" ? response.body.body : new Uint8Array(0)

/**
 * Sends the status line, the headers and the first half of the body of `response` straight to
 * the socket, then closes it: the client sees an answer cut in the middle of its body.
 */
const cutAnswer = (req: Http.IncomingMessage, response: HttpServerResponse.HttpServerResponse) =>
  Effect.async<void>((resume) => {
    const body = bodyBytes(response)
    const headers: Record<string, string> = { ...response.headers }
    if (response.body._tag === "Uint8Array") headers["content-type"] = response.body.contentType
    // Announce at least one byte so that even an empty body is cut short.
    headers["content-length"] = String(Math.max(body.length, 1))
    const head = `HTTP/1.1 ${response.status} OK\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n"
    const socket = req.socket
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), body.subarray(0, Math.floor(body.length / 2))]), () => {
      socket.destroy()
      resume(Effect.void)
    })
  })

/** Waits for the first piece of the request body (or its end), then drops the connection. */
const readSomeThenDrop = (req: Http.IncomingMessage) =>
  Effect.async<void>((resume) => {
    const drop = () => {
      req.off("data", drop)
      req.off("end", drop)
      req.off("close", drop)
      req.socket.destroy()
      resume(Effect.void)
    }
    req.on("data", drop)
    req.on("end", drop)
    req.on("close", drop)
  })

/** A `next` answer that is not a valid invocation, built from the real one when there is one. */
const malformed = (malformation: Malformation, response: HttpServerResponse.HttpServerResponse) => {
  switch (malformation) {
    case "BadDeadline":
      return HttpServerResponse.setHeader(response, "lambda-runtime-deadline-ms", "soon")
    case "InvalidJson":
      return HttpServerResponse.uint8Array(protocol.utf8("{\"op\":"), {
        status: response.status,
        headers: response.headers,
        contentType: "application/json"
      })
    case "NoRequestId":
      return HttpServerResponse.uint8Array(protocol.utf8("{}"), {
        status: 200,
        headers: { "lambda-runtime-deadline-ms": String(Date.now() + 60_000) },
        contentType: "application/json"
      })
  }
}

/**
 * Answers one Runtime API call: applies the fault a rule gives it, if any, around the normal
 * handler, and tells the observer what was answered.
 *
 * - `Status`: that status instead of the normal answer; on a report, other than 500, the
 *   invocation ends (the invoker gets `Runtime.InjectedFault`, or `Function.ResponseSizeTooLarge`
 *   for 413).
 * - `Delay`: the normal answer, that much later.
 * - `Close`: the connection is closed before anything is read or answered.
 * - `Reset`: on `next`, the invocation is handed out but its answer is cut in the middle of the
 *   body; on a report, the connection is dropped after the first piece of the body and the
 *   invocation ends as `Runtime.TruncatedResponse`.
 * - `Malformed` (on `next` only; elsewhere the normal answer): no request id (answered at once,
 *   no invocation is handed out), or a real invocation with a deadline that is not a number or a
 *   body that is not JSON.
 */
export const serve = <E, R>(
  faults: Faults,
  route: Route<E, R>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E,
  R | HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext
> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const req = NodeHttpServerRequest.toIncomingMessage(request)
    const { id } = yield* HttpRouter.params
    const { call, fault } = yield* faults.check(route.name)
    const record = (response: HttpServerResponse.HttpServerResponse | undefined) => {
      const handedOut = route.name === "next" && response !== undefined
        ? response.headers["lambda-runtime-aws-request-id"]
        : undefined
      faults.record({
        endpoint: route.name,
        call,
        requestId: id ?? handedOut,
        status: response?.status,
        errorType: route.name === "error" ? headerOf(req.headers, "lambda-runtime-function-error-type") : undefined,
        fault: fault?._tag
      })
      return response ?? dropped
    }
    switch (fault?._tag) {
      case undefined:
        return record(yield* route.handler)
      case "Delay":
        yield* Effect.sleep(fault.millis)
        return record(yield* route.handler)
      case "Status":
        if (fault.status !== 500) yield* route.end(refusedOutcome(route.name, fault.status))
        return record(json(fault.status, faultBody(fault.status)))
      case "Close":
        req.socket.destroy()
        return record(undefined)
      case "Reset": {
        if (route.name === "next") {
          const answer = yield* route.handler
          yield* cutAnswer(req, answer)
          faults.record({
            endpoint: route.name,
            call,
            requestId: answer.headers["lambda-runtime-aws-request-id"],
            status: undefined,
            errorType: undefined,
            fault: "Reset"
          })
          return dropped
        }
        yield* route.end(truncatedOutcome)
        yield* readSomeThenDrop(req)
        return record(undefined)
      }
      case "Malformed": {
        if (route.name !== "next") return record(yield* route.handler)
        if (fault.malformation === "NoRequestId") return record(malformed("NoRequestId", json(200, {})))
        const answer = yield* route.handler
        return record(answer.status === 200 ? malformed(fault.malformation, answer) : answer)
      }
    }
  })
