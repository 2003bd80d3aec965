/**
 * The Invoke API over HTTP: `POST /2015-03-31/functions/{name}/invocations` and
 * InvokeWithResponseStream's `POST /2021-11-15/functions/{name}/response-streaming-invocations`
 * (AWS's event-stream encoding).
 *
 * @internal
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as body from "./body.js"
import * as eventStream from "./eventStream.js"
import { headerOf, methodNotAllowed } from "./http.js"
import * as invoke from "./invoke.js"
import type * as model from "./model.js"
import * as protocol from "./protocol.js"
import * as streaming from "./streaming.js"

/** `ErrorCode` and `ErrorDetails` of `InvokeComplete`: the error type, and the error JSON as text. */
const completion = (invocation: model.Invocation, finished: model.Finished): eventStream.Completion => ({
  ...(finished.outcome.functionError === undefined ? {} : {
    ErrorCode: finished.outcome.errorType ?? "Runtime.Unknown",
    ErrorDetails: Buffer.from(finished.outcome.payload).toString("utf8")
  }),
  ...(invocation.logTail ? { LogResult: invoke.logTail(finished.log) } : {})
})

/** The event stream of a streaming invocation: `PayloadChunk`s as bytes arrive, then `InvokeComplete`. */
const events = (invocation: model.Invocation, answer: streaming.Answer): Stream.Stream<Uint8Array> => {
  if (answer._tag === "Buffered") {
    const { outcome } = answer.finished
    const chunks = outcome.functionError === undefined && outcome.payload.length > 0
      ? [eventStream.payloadChunk(outcome.payload)]
      : []
    return Stream.fromIterable([...chunks, eventStream.invokeComplete(completion(invocation, answer.finished))])
  }
  const completed = answer.finished.pipe(
    Effect.map((finished) => eventStream.invokeComplete(completion(invocation, finished))),
    Effect.catchTag(
      "EmulatorStopped",
      () =>
        Effect.succeed(
          eventStream.invokeComplete({ ErrorCode: "ServiceException", ErrorDetails: "The emulator is shutting down" })
        )
    )
  )
  return streaming.body(answer).pipe(
    Stream.map(eventStream.payloadChunk),
    Stream.concat(Stream.fromEffect(completed))
  )
}

/**
 * Reads an Invoke API request (either route) into an `InvokeInput`, or the HTTP answer that
 * refuses it (wrong method, unreadable body).
 */
const readInvokeInput = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (request.method !== "POST") return Either.left(methodNotAllowed("POST"))
  const req = NodeHttpServerRequest.toIncomingMessage(request)
  const { name } = yield* HttpRouter.params
  const invalidName = protocol.functionNameError(name ?? "")
  if (invalidName !== undefined) {
    const refusal = invoke.awsError(protocol.newRequestId(), 400, "ValidationException", invalidName)
    return Either.left(
      HttpServerResponse.uint8Array(refusal.body, { status: refusal.status, headers: refusal.headers })
    )
  }
  const read = yield* body.read(req, protocol.maxRequestSize).pipe(Effect.either)
  if (read._tag === "Left") return Either.left(HttpServerResponse.empty({ status: 400 }))
  return Either.right<invoke.InvokeInput>({
    payload: read.right.bytes,
    size: read.right.size,
    invocationType: headerOf(req, "x-amz-invocation-type"),
    clientContext: headerOf(req, "x-amz-client-context"),
    tenantId: headerOf(req, "x-amz-tenant-id"),
    logType: headerOf(req, "x-amz-log-type"),
    traceId: headerOf(req, "x-amzn-trace-id"),
    contentType: headerOf(req, "content-type")
  })
})

const invocations = Effect.gen(function*() {
  const input = yield* readInvokeInput
  if (input._tag === "Left") return input.left
  const output = yield* invoke.handle(input.right).pipe(
    Effect.catchTag(
      "EmulatorStopped",
      () => Effect.succeed(invoke.awsError("", 503, "ServiceException", "The emulator is shutting down"))
    )
  )
  return HttpServerResponse.uint8Array(output.body, { status: output.status, headers: output.headers })
})

const responseStreamingInvocations = Effect.gen(function*() {
  const input = yield* readInvokeInput
  if (input._tag === "Left") return input.left
  const result = yield* invoke.handleStream(input.right).pipe(
    Effect.catchTag("EmulatorStopped", () =>
      Effect.succeed({
        _tag: "Answered" as const,
        output: invoke.awsError("", 503, "ServiceException", "The emulator is shutting down")
      }))
  )
  if (result._tag === "Answered") {
    const { output } = result
    return HttpServerResponse.uint8Array(output.body, { status: output.status, headers: output.headers })
  }
  const { answer, invocation } = result
  return HttpServerResponse.stream(events(invocation, answer), {
    status: 200,
    headers: {
      "x-amzn-RequestId": invocation.requestId,
      "X-Amz-Executed-Version": protocol.functionVersion
    },
    contentType: eventStream.contentType
  })
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.all("/2015-03-31/functions/:name/invocations", invocations),
  HttpRouter.all("/2021-11-15/functions/:name/response-streaming-invocations", responseStreamingInvocations)
)
