/**
 * The Runtime API 2018-06-01, answering as AWS's runtime interface emulator does.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as body from "./body.js"
import * as faults from "./faults.js"
import type { RuntimeEndpoint } from "./faults.js"
import * as protocol from "./protocol.js"
import * as state from "./state.js"
import * as streamingApi from "./streaming.js"

export const prefix = "/2018-06-01"

const json = (status: number, value: unknown) => HttpServerResponse.unsafeJson(value, { status })

const acceptedResponse = json(202, protocol.accepted)

/** Go's chi router answers a known path with the wrong method with an empty 405. */
export const methodNotAllowed = (allow: string) => HttpServerResponse.empty({ status: 405, headers: { allow } })

const incoming = Effect.map(HttpServerRequest.HttpServerRequest, NodeHttpServerRequest.toIncomingMessage)

const header = (name: string) =>
  Effect.map(incoming, (req) => {
    const value = req.headers[name]
    return Array.isArray(value) ? value.join(",") : value
  })

/** One endpoint: method check, then injected faults (see faults.ts) around the handler. */
const endpoint = <E, R>(
  core: state.Core,
  method: "GET" | "POST",
  name: RuntimeEndpoint,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== method) return methodNotAllowed(method)
    return yield* faults.serve(core.faults, { name, handler, end: endReported(core, name) })
  })

/** What a fault that refuses a report does to the invocation it names: ends it with `outcome`. */
const endReported = (core: state.Core, name: RuntimeEndpoint) => (outcome: state.Outcome) =>
  name !== "response" && name !== "error" ? Effect.void : Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    const claimed = yield* claimAnswer(core, id ?? "", name === "response" ? "InvocationResponse" : "InvocationErrorResponse")
    if (!isResponse(claimed)) yield* settle(claimed, outcome)
  })

const next = (core: state.Core) =>
  Effect.gen(function*() {
    const generation = yield* Ref.get(core.generation)
    if (generation !== undefined) yield* Deferred.succeed(generation.ready, performance.now())
    const active = yield* Ref.get(core.active)
    if (active !== undefined && !active.answered) {
      return json(403, protocol.invalidStateTransition("Invoking", "Ready"))
    }
    const taken = yield* Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        while (true) {
          const offer = yield* restore(Queue.take(core.handoff))
          // A `next` left over from a process that is gone (its socket's close not seen yet)
          // must not take the invocation meant for its successor.
          if (core.supervised && generation !== undefined && (yield* Deferred.isDone(generation.exited))) {
            yield* Queue.offer(core.handoff, offer)
            return undefined
          }
          const { invocation } = offer
          const deadlineMs = Date.now() + core.config.timeoutSeconds * 1000
          if (yield* Deferred.succeed(offer.claim, deadlineMs)) {
            yield* Ref.set(core.active, { invocation, answered: false })
            return { invocation, deadlineMs }
          }
        }
      })
    )
    if (taken === undefined) return json(500, protocol.internalServerError)
    const { deadlineMs, invocation } = taken
    const headers: Record<string, string> = {
      "Lambda-Runtime-Aws-Request-Id": invocation.requestId,
      "Lambda-Runtime-Deadline-Ms": String(deadlineMs),
      "Lambda-Runtime-Invoked-Function-Arn": protocol.functionArn(core.config.region, core.config.functionName),
      "Lambda-Runtime-Trace-Id": invocation.traceId
    }
    if (invocation.clientContext !== undefined) headers["Lambda-Runtime-Client-Context"] = invocation.clientContext
    if (invocation.tenantId !== undefined) headers["Lambda-Runtime-Aws-Tenant-Id"] = invocation.tenantId
    return HttpServerResponse.uint8Array(invocation.payload, {
      status: 200,
      headers,
      contentType: invocation.contentType
    })
  })

/** Takes the right to answer `id`: the runtime answers each invocation once. */
const claimAnswer = (
  core: state.Core,
  id: string,
  transition: string
): Effect.Effect<state.Invocation | HttpServerResponse.HttpServerResponse> =>
  Ref.modify(core.active, (active): [state.Invocation | HttpServerResponse.HttpServerResponse, state.Active | undefined] => {
    if (active === undefined || active.invocation.requestId !== id) return [json(400, protocol.invalidRequestId), active]
    if (active.answered) return [json(403, protocol.invalidStateTransition(transition, transition)), active]
    return [active.invocation, { ...active, answered: true }]
  })

const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isServerResponse(u)

const settle = (invocation: state.Invocation, outcome: state.Outcome) => Deferred.succeed(invocation.result, outcome)

const truncated = (invocation: state.Invocation) =>
  settle(invocation, state.platformError("Runtime.TruncatedResponse", "Runtime response was truncated")).pipe(
    Effect.as(json(400, protocol.truncatedHttpRequest))
  )

/** The error JSON as the runtime posted it, or one made from the error type when it sent none. */
const errorPayload = (requestId: string, errorType: string, posted: Uint8Array | undefined): Uint8Array =>
  posted !== undefined && posted.length > 0
    ? posted
    : protocol.functionErrorBody(errorType, `RequestId: ${requestId} Error: ${errorType}`)

/** The function error carried by the error trailers of a streamed response, if any. */
const trailerOutcome = (
  requestId: string,
  trailers: Readonly<Record<string, string | undefined>>
): state.Outcome | undefined => {
  const trailerType = trailers["lambda-runtime-function-error-type"]
  if (trailerType === undefined) return undefined
  const errorType = protocol.normaliseErrorType(trailerType)
  const trailerBody = trailers["lambda-runtime-function-error-body"]
  const decoded = trailerBody === undefined ? undefined : protocol.decodeBase64(trailerBody)
  return state.functionError(
    errorType,
    errorPayload(requestId, errorType, decoded === undefined ? undefined : protocol.utf8(decoded))
  )
}

const response = (core: state.Core) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    const claimed = yield* claimAnswer(core, id ?? "", "InvocationResponse")
    if (isResponse(claimed)) return claimed
    const invocation = claimed
    const mode = yield* header("lambda-runtime-function-response-mode")
    if (mode !== undefined && mode !== "streaming") {
      yield* settle(
        invocation,
        state.platformError("Runtime.InvalidResponseModeHeader", `Invalid function response mode: ${mode}`)
      )
      return json(400, protocol.invalidFunctionResponseMode)
    }
    const streaming = mode === "streaming"
    const limit = streaming ? core.config.streaming.maxResponseBytes : protocol.maxPayloadSize
    const req = yield* incoming
    if (streaming && invocation.stream !== undefined) {
      // An invoker that takes the body as it streams: pass it through instead of buffering.
      const received = yield* streamingApi.receive(
        core.config.streaming,
        invocation,
        invocation.stream,
        req,
        (yield* header("content-type")) ?? "application/octet-stream",
        (trailers) => trailerOutcome(id ?? "", trailers)
      )
      switch (received) {
        case "accepted":
          return acceptedResponse
        case "tooLarge":
          return json(413, protocol.requestEntityTooLarge)
        case "truncated":
        case "cut":
          return json(400, protocol.truncatedHttpRequest)
      }
    }
    const read = yield* body.read(req, limit).pipe(Effect.either)
    if (read._tag === "Left") return yield* truncated(invocation)
    const posted = read.right
    if (posted.overLimit) {
      yield* settle(
        invocation,
        state.platformError("Function.ResponseSizeTooLarge", protocol.responseTooLargeMessage(posted.size, limit))
      )
      return json(413, protocol.requestEntityTooLarge)
    }
    const failed = streaming ? trailerOutcome(id ?? "", posted.trailers) : undefined
    if (failed !== undefined) {
      yield* settle(invocation, failed)
      return acceptedResponse
    }
    // Plain Invoke buffers a streamed response and holds it to the buffered limit, as Lambda does
    // (a streaming invoker took the bytes above instead).
    if (posted.size > protocol.maxPayloadSize) {
      yield* settle(
        invocation,
        state.platformError(
          "Function.ResponseSizeTooLarge",
          protocol.responseTooLargeMessage(posted.size, protocol.maxPayloadSize)
        )
      )
      return acceptedResponse
    }
    const contentType = (yield* header("content-type")) ?? "application/json"
    yield* settle(invocation, state.success(posted.bytes, contentType))
    return acceptedResponse
  })

const invocationError = (core: state.Core) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    const claimed = yield* claimAnswer(core, id ?? "", "InvocationErrorResponse")
    if (isResponse(claimed)) return claimed
    const invocation = claimed
    const errorType = protocol.normaliseErrorType(yield* header("lambda-runtime-function-error-type"))
    const read = yield* body.read(yield* incoming, protocol.maxPayloadSize).pipe(Effect.either)
    if (read._tag === "Left") return yield* truncated(invocation)
    if (read.right.overLimit) {
      yield* settle(
        invocation,
        state.platformError(
          "Function.ResponseSizeTooLarge",
          protocol.responseTooLargeMessage(read.right.size, protocol.maxPayloadSize)
        )
      )
      return json(413, protocol.requestEntityTooLarge)
    }
    yield* settle(invocation, state.functionError(errorType, errorPayload(id ?? "", errorType, read.right.bytes)))
    return acceptedResponse
  })

const initError = (core: state.Core) =>
  Effect.gen(function*() {
    const generation = yield* Ref.get(core.generation)
    if (
      generation === undefined ||
      (yield* Deferred.isDone(generation.ready)) ||
      (yield* Deferred.isDone(generation.initError))
    ) {
      return json(403, protocol.invalidStateTransition("Ready", "InitError"))
    }
    const errorType = protocol.normaliseErrorType(yield* header("lambda-runtime-function-error-type"))
    const read = yield* body.read(yield* incoming, protocol.maxPayloadSize).pipe(Effect.either)
    if (read._tag === "Left") return json(400, protocol.truncatedHttpRequest)
    if (read.right.overLimit) return json(413, protocol.requestEntityTooLarge)
    const payload = read.right.bytes.length > 0
      ? read.right.bytes
      : protocol.functionErrorBody(errorType, `Init error: ${errorType}`)
    yield* Deferred.succeed(generation.initError, state.functionError(errorType, payload, { reportStatus: "error" }))
    return acceptedResponse
  })

/** The Runtime API routes, mounted under `/2018-06-01`. */
export const router = (core: state.Core) =>
  HttpRouter.empty.pipe(
    HttpRouter.all(`${prefix}/ping`, Effect.succeed(HttpServerResponse.text("pong"))),
    HttpRouter.all(`${prefix}/runtime/invocation/next`, endpoint(core, "GET", "next", next(core))),
    HttpRouter.all(
      `${prefix}/runtime/invocation/:id/response`,
      endpoint(core, "POST", "response", response(core)),
      { uninterruptible: true }
    ),
    HttpRouter.all(
      `${prefix}/runtime/invocation/:id/error`,
      endpoint(core, "POST", "error", invocationError(core)),
      { uninterruptible: true }
    ),
    HttpRouter.all(`${prefix}/runtime/init/error`, endpoint(core, "POST", "init-error", initError(core)), {
      uninterruptible: true
    })
  )
