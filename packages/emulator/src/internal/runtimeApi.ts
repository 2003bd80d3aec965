/**
 * The Runtime API 2018-06-01, answering as AWS's runtime interface emulator does, on the model:
 * `next` takes an offered invocation, the reports settle it.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as body from "./body.js"
import * as extensionsHost from "./extensionsHost.js"
import { header, incoming, json, method } from "./http.js"
import * as model from "./model.js"
import * as protocol from "./protocol.js"
import * as streaming from "./streaming.js"

const prefix = protocol.runtimeApiPrefix

const acceptedResponse = json(202, protocol.accepted)

const next = Effect.gen(function*() {
  const emulator = yield* model.Model
  const { config } = emulator
  const generation = yield* Ref.get(emulator.generation)
  // Init ends when the runtime and every registered extension asked for their next event.
  yield* extensionsHost.onRuntimeNext(generation)
  if (generation !== undefined) yield* Deferred.succeed(generation.ready, performance.now())
  // Lambda ends an invocation when its runtime asks for the next one.
  yield* emulator.releaseAnswered
  // Classic Lambda serves one invocation at a time; Managed Instances one per waiting `next`.
  if (config.maxConcurrency === 1 && (yield* emulator.holdsUnanswered)) {
    return json(403, protocol.invalidStateTransition("Invoking", "Ready"))
  }
  const taken = yield* Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      while (true) {
        const offer = yield* restore(emulator.takeOffer)
        // A `next` left over from a process that is gone (its socket's close not seen yet)
        // must not take the invocation meant for its successor.
        if (emulator.supervised && generation !== undefined && (yield* Deferred.isDone(generation.exited))) {
          yield* emulator.offer(offer)
          return undefined
        }
        const { invocation } = offer
        const deadlineMs = Date.now() + Duration.toMillis(config.timeout)
        if (yield* Deferred.succeed(offer.claim, deadlineMs)) {
          yield* emulator.hold(invocation)
          return { invocation, deadlineMs }
        }
      }
    })
  )
  if (taken === undefined) return json(500, protocol.internalServerError)
  const { deadlineMs, invocation } = taken
  const functionArn = protocol.functionArn(config.region, config.functionName)
  yield* extensionsHost.onInvoke(invocation, deadlineMs, functionArn)
  const headers: Record<string, string> = {
    "Lambda-Runtime-Aws-Request-Id": invocation.requestId,
    "Lambda-Runtime-Deadline-Ms": String(deadlineMs),
    "Lambda-Runtime-Invoked-Function-Arn": functionArn,
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

/** The invocation a report names, or the Runtime API's refusal. */
const claim = (transition: string) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    const claimed = yield* (yield* model.Model).claimAnswer(id ?? "")
    if (!model.isRefusal(claimed)) return claimed
    return claimed._tag === "UnknownRequestId"
      ? json(400, protocol.invalidRequestId)
      : json(403, protocol.invalidStateTransition(transition, transition))
  })

const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isServerResponse(u)

/** Settles `invocation` with `outcome` and answers `answer`. */
const settled = (invocation: model.Invocation, outcome: model.Outcome, answer: HttpServerResponse.HttpServerResponse) =>
  Effect.flatMap(model.Model, (emulator) => emulator.settle(invocation, outcome)).pipe(Effect.as(answer))

const truncated = (invocation: model.Invocation) =>
  settled(invocation, model.truncatedResponse, json(400, protocol.truncatedHttpRequest))

const tooLarge = (invocation: model.Invocation, size: number, limit: number) =>
  settled(invocation, model.responseTooLarge(size, limit), json(413, protocol.requestEntityTooLarge))

/** The error JSON as the runtime posted it, or one made from the error type when it sent none. */
const errorPayload = (requestId: string, errorType: string, posted: Uint8Array | undefined): Uint8Array =>
  posted !== undefined && posted.length > 0
    ? posted
    : protocol.functionErrorBody(errorType, `RequestId: ${requestId} Error: ${errorType}`)

/** The function error carried by the error trailers of a streamed response, if any. */
const trailerOutcome = (
  requestId: string,
  trailers: Readonly<Record<string, string | undefined>>
): model.Outcome | undefined => {
  const trailerType = trailers["lambda-runtime-function-error-type"]
  if (trailerType === undefined) return undefined
  const errorType = protocol.normaliseErrorType(trailerType)
  const trailerBody = trailers["lambda-runtime-function-error-body"]
  const decoded = trailerBody === undefined ? undefined : protocol.decodeBase64(trailerBody)
  // A failure after the first bytes shows on the REPORT line, as Lambda prints it.
  return model.functionError(
    errorType,
    errorPayload(requestId, errorType, decoded === undefined ? undefined : protocol.utf8(decoded)),
    { reportStatus: "error" }
  )
}

const response = Effect.gen(function*() {
  const invocation = yield* claim("InvocationResponse")
  if (isResponse(invocation)) return invocation
  const { requestId } = invocation
  const { config } = yield* model.Model
  const mode = yield* header("lambda-runtime-function-response-mode")
  if (mode !== undefined && mode !== "streaming") {
    return yield* settled(
      invocation,
      model.platformError("Runtime.InvalidResponseModeHeader", `Invalid function response mode: ${mode}`),
      json(400, protocol.invalidFunctionResponseMode)
    )
  }
  const streamed = mode === "streaming"
  const limit = streamed ? config.streaming.maxResponseBytes : protocol.maxPayloadSize
  const req = yield* incoming
  if (streamed && invocation.stream !== undefined) {
    // An invoker that takes the body as it streams: pass it through instead of buffering.
    const received = yield* streaming.receive(
      config.streaming,
      invocation,
      invocation.stream,
      req,
      (yield* header("content-type")) ?? "application/octet-stream",
      (trailers) => trailerOutcome(requestId, trailers)
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
  if (posted.overLimit) return yield* tooLarge(invocation, posted.size, limit)
  const failed = streamed ? trailerOutcome(requestId, posted.trailers) : undefined
  if (failed !== undefined) return yield* settled(invocation, failed, acceptedResponse)
  // Plain Invoke buffers a streamed response and holds it to the buffered limit, as Lambda does
  // (a streaming invoker took the bytes above instead).
  if (posted.size > protocol.maxPayloadSize) {
    return yield* settled(invocation, model.responseTooLarge(posted.size, protocol.maxPayloadSize), acceptedResponse)
  }
  const contentType = (yield* header("content-type")) ?? "application/json"
  return yield* settled(invocation, model.success(posted.bytes, contentType), acceptedResponse)
})

const invocationError = Effect.gen(function*() {
  const invocation = yield* claim("InvocationErrorResponse")
  if (isResponse(invocation)) return invocation
  const errorType = protocol.normaliseErrorType(yield* header("lambda-runtime-function-error-type"))
  const read = yield* body.read(yield* incoming, protocol.maxPayloadSize).pipe(Effect.either)
  if (read._tag === "Left") return yield* truncated(invocation)
  if (read.right.overLimit) return yield* tooLarge(invocation, read.right.size, protocol.maxPayloadSize)
  return yield* settled(
    invocation,
    model.functionError(errorType, errorPayload(invocation.requestId, errorType, read.right.bytes)),
    acceptedResponse
  )
})

const initError = Effect.gen(function*() {
  const generation = yield* Ref.get((yield* model.Model).generation)
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
  yield* Deferred.succeed(generation.initError, model.functionError(errorType, payload, { reportStatus: "error" }))
  return acceptedResponse
})

/** The Runtime API routes, mounted under `/2018-06-01`; reports run to their end uninterrupted. */
export const router = HttpRouter.empty.pipe(
  HttpRouter.all(`${prefix}/ping`, Effect.succeed(HttpServerResponse.text("pong"))),
  HttpRouter.all(`${prefix}/runtime/invocation/next`, method("GET", next)),
  HttpRouter.all(`${prefix}/runtime/invocation/:id/response`, method("POST", response), { uninterruptible: true }),
  HttpRouter.all(`${prefix}/runtime/invocation/:id/error`, method("POST", invocationError), { uninterruptible: true }),
  HttpRouter.all(`${prefix}/runtime/init/error`, method("POST", initError), { uninterruptible: true })
)
