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
import * as Queue from "effect/Queue"
import { EmulatorStopped } from "../EmulatorError.js"
import * as body from "./body.js"
import * as protocol from "./protocol.js"
import { methodNotAllowed } from "./runtimeApi.js"
import * as state from "./state.js"

export interface InvokeInput {
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

export const handle = (core: state.Core, input: InvokeInput): Effect.Effect<InvokeOutput, EmulatorStopped> =>
  Effect.gen(function*() {
    const requestId = protocol.newRequestId()
    if (yield* Deferred.isDone(core.stopped)) return yield* new EmulatorStopped()
    if (input.size > protocol.maxPayloadSize) {
      return awsError(
        requestId,
        413,
        "RequestEntityTooLargeException",
        `Request must be smaller than ${protocol.maxPayloadSize} bytes for the InvokeFunction operation`
      )
    }
    const invocationType = input.invocationType ?? "RequestResponse"
    if (input.logType !== undefined && input.logType !== "None" && input.logType !== "Tail") {
      return awsError(
        requestId,
        400,
        "InvalidParameterValueException",
        `1 validation error detected: Value '${input.logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`
      )
    }
    if (invocationType !== "RequestResponse" && invocationType !== "Event" && invocationType !== "DryRun") {
      return awsError(
        requestId,
        400,
        "InvalidParameterValueException",
        `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`
      )
    }
    let clientContext: string | undefined = undefined
    if (input.clientContext !== undefined && input.clientContext !== "") {
      clientContext = protocol.decodeBase64(input.clientContext)
      if (clientContext === undefined) {
        return awsError(
          requestId,
          400,
          "InvalidRequestContentException",
          "Client context must be a valid Base64-encoded JSON object."
        )
      }
    }
    if (invocationType === "DryRun") {
      return { status: 204, headers: { "x-amzn-RequestId": requestId }, body: empty, requestId, functionError: undefined }
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
      logTail: input.logType === "Tail" && invocationType === "RequestResponse"
    })
    yield* Queue.offer(core.pending, invocation)
    if (invocationType === "Event") {
      return { status: 202, headers: { "x-amzn-RequestId": requestId }, body: empty, requestId, functionError: undefined }
    }
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

const headerOf = (req: { readonly headers: Record<string, string | Array<string> | undefined> }, name: string) => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(",") : value
}

const invocations = (core: state.Core) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") return methodNotAllowed("POST")
    const req = NodeHttpServerRequest.toIncomingMessage(request)
    const read = yield* body.read(req, protocol.maxPayloadSize).pipe(Effect.either)
    if (read._tag === "Left") return HttpServerResponse.empty({ status: 400 })
    const output = yield* handle(core, {
      payload: read.right.bytes,
      size: read.right.size,
      invocationType: headerOf(req, "x-amz-invocation-type"),
      clientContext: headerOf(req, "x-amz-client-context"),
      tenantId: headerOf(req, "x-amz-tenant-id"),
      logType: headerOf(req, "x-amz-log-type"),
      traceId: headerOf(req, "x-amzn-trace-id"),
      contentType: headerOf(req, "content-type")
    }).pipe(
      Effect.catchTag("EmulatorStopped", () =>
        Effect.succeed(awsError("", 503, "ServiceException", "The emulator is shutting down")))
    )
    return HttpServerResponse.uint8Array(output.body, { status: output.status, headers: output.headers })
  })

export const router = (core: state.Core) =>
  HttpRouter.empty.pipe(HttpRouter.all("/2015-03-31/functions/:name/invocations", invocations(core)))
