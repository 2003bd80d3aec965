/**
 * Invoking the function: what the Invoke API (both routes), the Function URL front and the
 * programmatic `invoke` share. Checks a request the way Lambda does, queues the invocation on
 * the model, and waits for what the invoker gets.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { EmulatorStopped } from "../EmulatorError.js"
import * as model from "./model.js"
import * as protocol from "./protocol.js"
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
  /** Answer once END and REPORT are printed, not as soon as the outcome is known (implied by `Tail`). */
  readonly awaitEnd?: boolean
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
export const logTail = (lines: ReadonlyArray<string>) => {
  const bytes = Buffer.from(lines.map((line) => line + "\n").join(""), "utf8")
  return bytes.subarray(Math.max(0, bytes.length - 4096)).toString("base64")
}

/** Lambda's REST error shape: the code in `x-amzn-ErrorType`, a `{Type, message}` body. */
export const awsError = (requestId: string, status: number, code: string, message: string): InvokeOutput => ({
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

/**
 * Lambda's throttle: 429 `TooManyRequestsException` with the reason in the body, as the AWS SDK
 * reads it (`Reason`, `Type`, `message`).
 */
export const throttled = (requestId: string): InvokeOutput => ({
  status: 429,
  headers: {
    "x-amzn-RequestId": requestId,
    "x-amzn-ErrorType": "TooManyRequestsException",
    "Content-Type": "application/json"
  },
  body: protocol.utf8(
    JSON.stringify({
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
      Type: "User",
      message: "Rate Exceeded."
    })
  ),
  requestId,
  functionError: undefined
})

/** The invocation is queued, or the Invoke API answered at once (a refusal, DryRun, Event). */
type Accepted =
  | { readonly _tag: "Answered"; readonly output: InvokeOutput }
  | { readonly _tag: "Queued"; readonly invocation: model.Invocation }

/** Checks an Invoke request the way Lambda does, then queues the invocation. */
const accept = (
  input: InvokeInput,
  stream: model.Channel | undefined
): Effect.Effect<Accepted, EmulatorStopped, model.Model> =>
  Effect.gen(function*() {
    const emulator = yield* model.Model
    const answered = (output: InvokeOutput): Accepted => ({ _tag: "Answered", output })
    const requestId = input.requestId ?? protocol.newRequestId()
    if (yield* Deferred.isDone(emulator.stopped)) return yield* new EmulatorStopped()
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
    const operation = stream === undefined ? "InvokeFunction" : "InvokeWithResponseStream"
    if (input.size > protocol.maxRequestSize) {
      return answered(awsError(
        requestId,
        413,
        "RequestEntityTooLargeException",
        `Request must be smaller than ${protocol.maxRequestSize} bytes for the ${operation} operation`
      ))
    }
    if (invocationType === "Event" && input.size > protocol.maxAsyncRequestSize) {
      return answered(awsError(
        requestId,
        413,
        "RequestEntityTooLargeException",
        `${input.size} byte payload is too large for the Event invocation type (limit ${protocol.maxAsyncRequestSize} bytes)`
      ))
    }
    const notJson = protocol.jsonError(input.payload)
    if (notJson !== undefined) {
      return answered(awsError(
        requestId,
        400,
        "InvalidRequestContentException",
        `Could not parse request body into json: ${notJson}`
      ))
    }
    let clientContext: string | undefined = undefined
    if (input.clientContext !== undefined && input.clientContext !== "") {
      clientContext = protocol.decodeClientContext(input.clientContext)
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
    const async = invocationType === "Event"
    // Beyond the reserved concurrency a synchronous invoke is throttled; an asynchronous one
    // waits in Lambda's queue (here: the dispatcher's) until there is room.
    if (!async) {
      const reserved = emulator.config.reservedConcurrency
      const admitted = yield* Ref.modify(
        emulator.inFlight,
        (n): [boolean, number] => reserved === undefined || n < reserved ? [true, n + 1] : [false, n]
      )
      if (!admitted) {
        emulator.publish({ _tag: "InvocationThrottled", requestId, payload: input.payload })
        return answered(throttled(requestId))
      }
    }
    const invocation = yield* model.makeInvocation({
      requestId,
      payload: input.payload,
      contentType: input.contentType ?? "application/json",
      traceId: input.traceId !== undefined && protocol.isValidTraceId(input.traceId)
        ? input.traceId
        : protocol.newTraceId(Date.now()),
      clientContext,
      tenantId: input.tenantId === "" ? undefined : input.tenantId,
      logTail: input.logType === "Tail" && invocationType === "RequestResponse",
      async,
      attempt: 1,
      acceptedAt: Date.now(),
      awaitEnd: invocationType === "RequestResponse" && (input.logType === "Tail" || input.awaitEnd === true),
      stream
    })
    yield* emulator.submit(invocation)
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

export const handle = (input: InvokeInput): Effect.Effect<InvokeOutput, EmulatorStopped, model.Model> =>
  Effect.gen(function*() {
    const emulator = yield* model.Model
    const accepted = yield* accept(input, undefined)
    if (accepted._tag === "Answered") return accepted.output
    const { invocation } = accepted
    const { requestId } = invocation
    const { log, outcome } = yield* Effect.raceFirst(
      Deferred.await(invocation.done),
      Deferred.await(emulator.stopped).pipe(Effect.flatMap(() => new EmulatorStopped()))
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
  | { readonly _tag: "Answer"; readonly invocation: model.Invocation; readonly answer: streaming.Answer }

/**
 * An invocation whose invoker takes a streamed response as it arrives (InvokeWithResponseStream,
 * the Function URL front); a buffered answer still comes in one piece.
 */
export const handleStream = (input: InvokeInput): Effect.Effect<StreamOutput, EmulatorStopped, model.Model> =>
  Effect.gen(function*() {
    const emulator = yield* model.Model
    const channel = yield* model.makeChannel
    const accepted = yield* accept(input, channel)
    if (accepted._tag === "Answered") return accepted
    const answer = yield* streaming.answer(accepted.invocation, channel, emulator.stopped).pipe(
      // The invoker may leave before the runtime starts answering: then its POST is cut at once.
      Effect.onInterrupt(() => Deferred.succeed(channel.closed, undefined))
    )
    return { _tag: "Answer", invocation: accepted.invocation, answer }
  })
