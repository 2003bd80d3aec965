/**
 * Fault injection on the Runtime API, as HTTP middleware: rules match an endpoint (or any) and
 * optionally the n-th call of it, counted from the emulator's start. Every Runtime API call also
 * goes to the model's observers, so a test can check what the runtime sent (one report per
 * request id, no second response after a reset) without a proxy.
 *
 * @internal
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Http from "node:http"
import { headerOf, json } from "./http.js"
import * as model from "./model.js"
import * as protocol from "./protocol.js"

/** The endpoint and request id of a Runtime API request, when it is one (right method included). */
const endpointOf = (
  method: string,
  url: string
): { readonly endpoint: model.RuntimeEndpoint; readonly requestId: string | undefined } | undefined => {
  const path = url.split("?")[0]!
  if (path === `${protocol.runtimeApiPrefix}/runtime/invocation/next`) {
    return method === "GET" ? { endpoint: "next", requestId: undefined } : undefined
  }
  if (method !== "POST") return undefined
  if (path === `${protocol.runtimeApiPrefix}/runtime/init/error`) {
    return { endpoint: "init-error", requestId: undefined }
  }
  const report = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path)
  if (report === null) return undefined
  let requestId: string
  try {
    requestId = decodeURIComponent(report[1]!)
  } catch {
    requestId = report[1]!
  }
  return { endpoint: report[2] as "response" | "error", requestId }
}

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
const refusedOutcome = (endpoint: model.RuntimeEndpoint, status: number): model.Outcome =>
  status === 413
    ? model.platformError(
      "Function.ResponseSizeTooLarge",
      "Response payload size exceeded maximum allowed payload size (injected fault)."
    )
    : model.platformError(
      "Runtime.InjectedFault",
      `The Runtime API answered ${status} to the ${endpoint} report (injected fault).`
    )

const dropped = HttpServerResponse.empty({ status: 500 })

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
const malformed = (malformation: model.Malformation, response: HttpServerResponse.HttpServerResponse) => {
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
 * Answers one Runtime API call: applies the fault a rule gives it, if any, around the app, and
 * tells the observers what was answered. Requests that are not Runtime API calls (other paths,
 * wrong methods) pass through uncounted.
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
export const middleware = <E, R>(
  app: HttpApp.Default<E, R>
): HttpApp.Default<E, R | model.Model> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const target = endpointOf(request.method, request.url)
    if (target === undefined) return yield* app
    const { endpoint, requestId } = target
    const emulator = yield* model.Model
    const req = NodeHttpServerRequest.toIncomingMessage(request)
    const { call, fault } = yield* emulator.checkFault(endpoint)
    const record = (response: HttpServerResponse.HttpServerResponse | undefined, handedOut?: string) => {
      emulator.publish({
        _tag: "RuntimeCall",
        call: {
          endpoint,
          call,
          requestId: requestId ??
            handedOut ??
            (endpoint === "next" && response !== undefined
              ? response.headers["lambda-runtime-aws-request-id"]
              : undefined),
          status: response?.status,
          errorType: endpoint === "error" ? headerOf(req, "lambda-runtime-function-error-type") : undefined,
          fault: fault?._tag
        }
      })
      return response ?? dropped
    }
    const endReport = (outcome: model.Outcome) =>
      endpoint === "response" || endpoint === "error" ? emulator.endReported(requestId ?? "", outcome) : Effect.void
    switch (fault?._tag) {
      case undefined:
        return record(yield* app)
      case "Delay":
        yield* Effect.interruptible(Effect.sleep(fault.duration))
        return record(yield* app)
      case "Status":
        if (fault.status !== 500) yield* endReport(refusedOutcome(endpoint, fault.status))
        return record(json(fault.status, faultBody(fault.status)))
      case "Close":
        req.socket.destroy()
        return record(undefined)
      case "Reset": {
        if (endpoint === "next") {
          const answer = yield* app
          yield* cutAnswer(req, answer)
          record(undefined, answer.headers["lambda-runtime-aws-request-id"])
          return dropped
        }
        yield* endReport(model.truncatedResponse)
        yield* readSomeThenDrop(req)
        return record(undefined)
      }
      case "Malformed": {
        if (endpoint !== "next") return record(yield* app)
        if (fault.malformation === "NoRequestId") return record(malformed("NoRequestId", json(200, {})))
        const answer = yield* app
        return record(answer.status === 200 ? malformed(fault.malformation, answer) : answer)
      }
    }
  })
