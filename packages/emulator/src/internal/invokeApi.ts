/**
 * The Invoke API (`POST /2015-03-31/functions/{name}/invocations`), shared by the HTTP route and
 * the programmatic `invoke` so that both behave the same.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { EmulatorStopped } from "../EmulatorError.js"
import * as body from "./body.js"
import * as eventStream from "./eventStream.js"
import * as protocol from "./protocol.js"
import { methodNotAllowed } from "./runtimeApi.js"
import * as state from "./state.js"
import * as streaming from "./streaming.js"

export interface InvokeInput {
  /** Chosen by the caller when the payload names it (a Function URL event); default a fresh one. */
  readonly requestId?: string
  readonly payload: Uint8Array
  /** Bytes the invoker sent; larger than `payload` when the body was cut at the limit. */
  readonly size: number
  readonly invocationType: string | undefined
  readonly clientContext: string | undefined
  readonly tenantId: string | undefined
  /** `X-Amz-Log-Type`: `Tail` or `None` (default). */
  readonly logType: string | undefined
  readonly traceId: string | undefined
  readonly contentType: string | undefined
}

export interface InvokeOutput {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly requestId: string
  readonly functionError: string | undefined
}

const empty = new Uint8Array(0)

/** Lambda returns the last 4 KB of the invocation's log, base64-encoded. */
const logTail = (lines: ReadonlyArray<string>) => {
  const bytes = Buffer.from(lines.map((line) => line + "\n").join(""), "utf8")
  return bytes.subarray(Math.max(0, bytes.length - 4096)).toString("base64")
}

/** Lambda's REST error shape: the code in `x-amzn-ErrorType`, a `{Type, message}` body. */
const awsError = (requestId: string, status: number, code: string, message: string): InvokeOutput => ({
  status,
  headers: {
    "x-amzn-RequestId": requestId,
    "x-amzn-ErrorType": code,
    "Content-Type": "application/json"
  },
  body: protocol.utf8(JSON.stringify({ Type: "User", message })),
  requestId,
  functionError: undefined
})

/** The invocation is queued, or the Invoke API answered at once (a refusal, DryRun, Event). */
type Accepted =
  | { readonly _tag: "Answered"; readonly output: InvokeOutput }
  | { readonly _tag: "Queued"; readonly invocation: state.Invocation }

/** Checks an Invoke request the way Lambda does, then queues the invocation. */
const accept = (
  core: state.Core,
  input: InvokeInput,
  stream: streaming.Channel | undefined
): Effect.Effect<Accepted, EmulatorStopped> =>
  Effect.gen(function*() {
    const answered = (output: InvokeOutput): Accepted => ({ _tag: "Answered", output })
    const requestId = input.requestId ?? protocol.newRequestId()
    if (yield* Deferred.isDone(core.stopped)) return yield* new EmulatorStopped()
    const operation = stream === undefined ? "InvokeFunction" : "InvokeWithResponseStream"
    if (input.size > protocol.maxPayloadSize) {
      return answered(awsError(
        requestId,
        413,
        "RequestEntityTooLargeException",
        `Request must be smaller than ${protocol.maxPayloadSize} bytes for the ${operation} operation`
      ))
    }
    const invocationType = input.invocationType ?? "RequestResponse"
    if (input.logType !== undefined && input.logType !== "None" && input.logType !== "Tail") {
      return answered(awsError(
        requestId,
        400,
        "InvalidParameterValueException",
        `1 validation error detected: Value '${input.logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`
      ))
    }
    // InvokeWithResponseStream has no asynchronous type.
    const types = stream === undefined ? ["Event", "RequestResponse", "DryRun"] : ["RequestResponse", "DryRun"]
    if (!types.includes(invocationType)) {
      return answered(awsError(
        requestId,
        400,
        "InvalidParameterValueException",
        `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${
          types.join(", ")
        }]`
      ))
    }
    let clientContext: string | undefined = undefined
    if (input.clientContext !== undefined && input.clientContext !== "") {
      clientContext = protocol.decodeBase64(input.clientContext)
      if (clientContext === undefined) {
        return answered(awsError(
          requestId,
          400,
          "InvalidRequestContentException",
          "Client context must be a valid Base64-encoded JSON object."
        ))
      }
    }
    if (invocationType === "DryRun") {
      return answered({
        status: 204,
        headers: { "x-amzn-RequestId": requestId },
        body: empty,
        requestId,
        functionError: undefined
      })
    }
    const invocation = yield* state.makeInvocation({
      requestId,
      payload: input.payload,
      contentType: input.contentType ?? "application/json",
      traceId: input.traceId !== undefined && protocol.isValidTraceId(input.traceId)
        ? input.traceId
        : protocol.newTraceId(Date.now()),
      clientContext,
      tenantId: input.tenantId === "" ? undefined : input.tenantId,
      logTail: input.logType === "Tail" && invocationType === "RequestResponse",
      stream
    })
    yield* Queue.offer(core.pending, invocation)
    if (invocationType === "Event") {
      return answered({
        status: 202,
        headers: { "x-amzn-RequestId": requestId },
        body: empty,
        requestId,
        functionError: undefined
      })
    }
    return { _tag: "Queued", invocation }
  })

export const handle = (core: state.Core, input: InvokeInput): Effect.Effect<InvokeOutput, EmulatorStopped> =>
  Effect.gen(function*() {
    const accepted = yield* accept(core, input, undefined)
    if (accepted._tag === "Answered") return accepted.output
    const { invocation } = accepted
    const { requestId } = invocation
    const { log, outcome } = yield* Effect.raceFirst(
      Deferred.await(invocation.done),
      Deferred.await(core.stopped).pipe(Effect.flatMap(() => new EmulatorStopped()))
    )
    const headers: Record<string, string> = {
      "x-amzn-RequestId": requestId,
      "X-Amz-Executed-Version": protocol.functionVersion,
      "Content-Type": outcome.contentType
    }
    if (outcome.functionError !== undefined) headers["X-Amz-Function-Error"] = outcome.functionError
    if (invocation.logTail) headers["X-Amz-Log-Result"] = logTail(log)
    return { status: outcome.status, headers, body: outcome.payload, requestId, functionError: outcome.functionError }
  })

/** What a streaming invoker gets: a refusal (or DryRun) at once, or the runtime's answer as it comes. */
export type StreamOutput =
  | { readonly _tag: "Answered"; readonly output: InvokeOutput }
  | { readonly _tag: "Answer"; readonly invocation: state.Invocation; readonly answer: streaming.Answer }

/**
 * An invocation whose invoker takes a streamed response as it arrives (InvokeWithResponseStream,
 * the Function URL front); a buffered answer still comes in one piece.
 */
export const handleStream = (core: state.Core, input: InvokeInput): Effect.Effect<StreamOutput, EmulatorStopped> =>
  Effect.gen(function*() {
    const channel = yield* streaming.makeChannel
    const accepted = yield* accept(core, input, channel)
    if (accepted._tag === "Answered") return accepted
    const answer = yield* streaming.answer(accepted.invocation, channel, core.stopped).pipe(
      // The invoker may leave before the runtime starts answering: then its POST is cut at once.
      Effect.onInterrupt(() => Deferred.succeed(channel.closed, undefined))
    )
    return { _tag: "Answer", invocation: accepted.invocation, answer }
  })

/** `ErrorCode` and `ErrorDetails` of `InvokeComplete`: the error type, and the error JSON as text. */
const completion = (invocation: state.Invocation, finished: state.Finished): eventStream.Completion => ({
  ...(finished.outcome.functionError === undefined ? {} : {
    ErrorCode: finished.outcome.errorType ?? "Runtime.Unknown",
    ErrorDetails: Buffer.from(finished.outcome.payload).toString("utf8")
  }),
  ...(invocation.logTail ? { LogResult: logTail(finished.log) } : {})
})

/** The event stream of a streaming invocation: `PayloadChunk`s as bytes arrive, then `InvokeComplete`. */
const events = (invocation: state.Invocation, answer: streaming.Answer): Stream.Stream<Uint8Array> => {
  if (answer._tag === "Buffered") {
    const { outcome } = answer.finished
    const chunks = outcome.functionError === undefined && outcome.payload.length > 0
      ? [eventStream.payloadChunk(outcome.payload)]
      : []
    return Stream.fromIterable([...chunks, eventStream.invokeComplete(completion(invocation, answer.finished))])
  }
  const completed = answer.finished.pipe(
    Effect.map((finished) => eventStream.invokeComplete(completion(invocation, finished))),
    Effect.catchTag("EmulatorStopped", () =>
      Effect.succeed(eventStream.invokeComplete({ ErrorCode: "ServiceException", ErrorDetails: "The emulator is shutting down" })))
  )
  return streaming.body(answer).pipe(
    Stream.map(eventStream.payloadChunk),
    Stream.concat(Stream.fromEffect(completed))
  )
}

const headerOf = (req: { readonly headers: Record<string, string | Array<string> | undefined> }, name: string) => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(",") : value
}

/**
 * Reads an Invoke API request (either route) into an `InvokeInput`, or the HTTP answer that
 * refuses it (wrong method, unreadable body).
 */
const readInvokeInput = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  if (request.method !== "POST") return Either.left(methodNotAllowed("POST"))
  const req = NodeHttpServerRequest.toIncomingMessage(request)
  const read = yield* body.read(req, protocol.maxPayloadSize).pipe(Effect.either)
  if (read._tag === "Left") return Either.left(HttpServerResponse.empty({ status: 400 }))
  return Either.right<InvokeInput>({
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

const invocations = (core: state.Core) =>
  Effect.gen(function*() {
    const input = yield* readInvokeInput
    if (input._tag === "Left") return input.left
    const output = yield* handle(core, input.right).pipe(
      Effect.catchTag("EmulatorStopped", () =>
        Effect.succeed(awsError("", 503, "ServiceException", "The emulator is shutting down")))
    )
    return HttpServerResponse.uint8Array(output.body, { status: output.status, headers: output.headers })
  })

const responseStreamingInvocations = (core: state.Core) =>
  Effect.gen(function*() {
    const input = yield* readInvokeInput
    if (input._tag === "Left") return input.left
    const result = yield* handleStream(core, input.right).pipe(
      Effect.catchTag("EmulatorStopped", () =>
        Effect.succeed({
          _tag: "Answered" as const,
          output: awsError("", 503, "ServiceException", "The emulator is shutting down")
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

export const router = (core: state.Core) =>
  HttpRouter.empty.pipe(
    HttpRouter.all("/2015-03-31/functions/:name/invocations", invocations(core)),
    HttpRouter.all("/2021-11-15/functions/:name/response-streaming-invocations", responseStreamingInvocations(core))
  )
