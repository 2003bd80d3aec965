/**
 * A Function URL style front: any HTTP request becomes a Function URL event (payload format
 * 2.0) and the function's answer becomes the HTTP response: a result object
 * (`statusCode`/`headers`/`cookies`/`body`), or a streamed response whose prelude gives the status,
 * headers and cookies and whose body is passed through as it arrives.
 *
 * @internal
 */
import { FunctionUrl } from "@effect-lambda/events"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Crypto from "node:crypto"
import type * as Http from "node:http"
import * as body from "./body.js"
import * as invoke from "./invoke.js"
import * as model from "./model.js"
import * as protocol from "./protocol.js"
import * as streaming from "./streaming.js"

/** Content type of a streamed HTTP response: JSON prelude, 8 NUL bytes, then the body. */
export const httpIntegrationContentType = "application/vnd.awslambda.http-integration-response"

const DELIMITER_LENGTH = 8
/** A prelude is a few headers: anything this long without its delimiter is not one. */
const MAX_PRELUDE = 1024 * 1024

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/** `requestContext.time`: `26/Nov/2026:12:29:48 +0000`. */
const clfTime = (ms: number) => {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())} +0000`
}

/** The 32-character id of a Function URL, stable for a function name. */
const urlId = (functionName: string) => Crypto.createHash("sha256").update(functionName).digest("hex").slice(0, 32)

// Lambda passes these as text, anything else base64-encoded.
const textual = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|yaml|.*\+json|.*\+xml))/i

const joinHeader = (value: string | Array<string> | undefined) => Array.isArray(value) ? value.join(",") : value

/** The Function URL event of an HTTP request, as Lambda builds it (payload format 2.0, `NONE` auth). */
const toEvent = (
  config: model.Config,
  req: Http.IncomingMessage,
  payload: Uint8Array,
  requestId: string,
  traceId: string,
  port: number
): FunctionUrl.FunctionUrlEvent => {
  const url = new URL(req.url ?? "/", "http://localhost")
  const rawQueryString = (req.url ?? "").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?") + 1) : ""
  // No prototype: request keys (`__proto__`, `constructor`) are ordinary keys here.
  const headers: Record<string, string> = Object.create(null)
  let cookies: Array<string> | undefined = undefined
  // From the raw list: node's `req.headers` is a plain object, where a `__proto__` header is lost.
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    if (name === "cookie") {
      cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter((c) => c !== "")]
      continue
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value
  }
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "")
  headers["x-forwarded-for"] = sourceIp
  headers["x-forwarded-proto"] = "http"
  headers["x-forwarded-port"] = String(port)
  headers["x-amzn-trace-id"] = traceId
  const query: Record<string, string> = Object.create(null)
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value
  const id = urlId(config.functionName)
  const now = Date.now()
  const contentType = headers["content-type"] ?? ""
  const isText = textual.test(contentType)
  const event: FunctionUrl.FunctionUrlEvent = {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    ...(rawQueryString === "" ? {} : { queryStringParameters: query }),
    requestContext: {
      accountId: "anonymous",
      apiId: id,
      domainName: `${id}.lambda-url.${config.region}.on.aws`,
      domainPrefix: id,
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers["user-agent"] ?? ""
      },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: clfTime(now),
      timeEpoch: now
    },
    ...(payload.length === 0 ? {} : { body: Buffer.from(payload).toString(isText ? "utf8" : "base64") }),
    isBase64Encoded: payload.length > 0 && !isText
  }
  // The schema is the contract the function decodes with: keep the emulator honest to it.
  return Schema.encodeSync(FunctionUrl.FunctionUrlEvent)(event)
}

const text = (status: number, message: string, requestId: string) =>
  HttpServerResponse.text(message, { status, headers: { "x-amzn-RequestId": requestId } })

const decodeResult = Schema.decodeUnknownEither(FunctionUrl.FunctionUrlResult)

/** A buffered answer: a result object, or any other JSON sent as a 200 `application/json` body. */
const fromBuffered = (
  res: Http.ServerResponse,
  requestId: string,
  finished: model.Finished
): HttpServerResponse.HttpServerResponse => {
  const { outcome } = finished
  if (outcome.functionError !== undefined) return text(502, "Internal Server Error", requestId)
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(outcome.payload).toString("utf8"))
  } catch {
    parsed = undefined
  }
  const isResultObject = typeof parsed === "object" && parsed !== null && "statusCode" in parsed
  if (!isResultObject) {
    return HttpServerResponse.uint8Array(outcome.payload, {
      status: 200,
      headers: { "x-amzn-RequestId": requestId },
      contentType: "application/json"
    })
  }
  const result = decodeResult(parsed)
  if (Either.isLeft(result)) return text(502, "Internal Server Error", requestId)
  const { body: resultBody, cookies, headers, isBase64Encoded, statusCode } = result.right
  if (cookies !== undefined && cookies.length > 0) res.setHeader("set-cookie", [...cookies])
  const bytes = resultBody === undefined
    ? new Uint8Array(0)
    : Buffer.from(resultBody, isBase64Encoded ? "base64" : "utf8")
  return HttpServerResponse.uint8Array(bytes, {
    status: statusCode,
    headers: { "content-type": "application/json", ...headers, "x-amzn-RequestId": requestId }
  })
}

const indexOfDelimiter = (bytes: Buffer) => {
  let run = 0
  for (let i = 0; i < bytes.length; i++) {
    run = bytes[i] === 0 ? run + 1 : 0
    if (run === DELIMITER_LENGTH) return i - DELIMITER_LENGTH + 1
  }
  return -1
}

interface Prelude {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly cookies: ReadonlyArray<string>
}

const parsePrelude = (json: string): Prelude | undefined => {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value !== "object" || value === null) return undefined
    const v = value as { statusCode?: unknown; headers?: unknown; cookies?: unknown }
    const headers: Record<string, string> = Object.create(null)
    if (typeof v.headers === "object" && v.headers !== null) {
      for (const [k, h] of Object.entries(v.headers)) if (typeof h === "string") headers[k] = h
    }
    return {
      statusCode: typeof v.statusCode === "number" ? v.statusCode : 200,
      headers,
      cookies: Array.isArray(v.cookies) ? v.cookies.filter((c): c is string => typeof c === "string") : []
    }
  } catch {
    return undefined
  }
}

/**
 * A streamed answer: the prelude (for the HTTP integration content type) is read first, then the
 * body goes through as it arrives. A function error after the headers went out cuts the
 * connection, so the client sees a truncated response rather than a clean end.
 */
const fromStreamed = (
  res: Http.ServerResponse,
  requestId: string,
  streamed: Extract<streaming.Answer, { _tag: "Streamed" }>
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    let status = 200
    let headers: Record<string, string> = { "content-type": streamed.contentType }
    let first: Uint8Array | undefined = undefined
    if (streamed.contentType === httpIntegrationContentType) {
      let buffered = Buffer.alloc(0)
      while (true) {
        const chunk = yield* streamed.pull
        if (chunk === undefined || buffered.length > MAX_PRELUDE) {
          yield* streamed.close
          return text(502, "Internal Server Error", requestId)
        }
        buffered = Buffer.concat([buffered, chunk])
        const at = indexOfDelimiter(buffered)
        if (at < 0) continue
        const prelude = parsePrelude(buffered.subarray(0, at).toString("utf8"))
        if (prelude === undefined) {
          yield* streamed.close
          return text(502, "Internal Server Error", requestId)
        }
        status = prelude.statusCode
        headers = { "content-type": "application/octet-stream", ...prelude.headers }
        if (prelude.cookies.length > 0) res.setHeader("set-cookie", [...prelude.cookies])
        first = buffered.subarray(at + DELIMITER_LENGTH)
        break
      }
    }
    const cutOnError = streamed.finished.pipe(
      Effect.flatMap((finished) =>
        Effect.sync(() => {
          if (finished.outcome.functionError !== undefined) res.destroy()
        })
      ),
      Effect.ignore
    )
    return HttpServerResponse.stream(
      Stream.concat(streaming.body(streamed, first), Stream.execute(cutOnError)),
      { status, headers: { ...headers, "x-amzn-RequestId": requestId } }
    )
  }).pipe(Effect.onInterrupt(() => streamed.close))

/**
 * The HTTP app of the Function URL front, on its own server listening on `port`. Interruptible
 * (the platform runs a bare app uninterruptibly): a client that hangs up must stop it, so that
 * the runtime's POST is cut.
 */
export const app = (port: () => number) =>
  Effect.interruptible(Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const req = NodeHttpServerRequest.toIncomingMessage(request)
    const res = NodeHttpServerRequest.toServerResponse(request)
    const read = yield* body.read(req, protocol.maxRequestSize).pipe(Effect.either)
    if (read._tag === "Left") return HttpServerResponse.empty({ status: 400 })
    const requestId = protocol.newRequestId()
    if (read.right.overLimit) return text(413, "Request Entity Too Large", requestId)
    const incomingTrace = joinHeader(req.headers["x-amzn-trace-id"])
    const traceId = incomingTrace !== undefined && protocol.isValidTraceId(incomingTrace)
      ? incomingTrace
      : protocol.newTraceId(Date.now())
    const event = toEvent((yield* model.Model).config, req, read.right.bytes, requestId, traceId, port())
    const payload = protocol.utf8(JSON.stringify(event))
    const result = yield* invoke.handleStream({
      requestId,
      payload,
      size: payload.length,
      invocationType: "RequestResponse",
      clientContext: undefined,
      tenantId: undefined,
      logType: undefined,
      traceId,
      contentType: "application/json"
    }).pipe(Effect.either)
    if (result._tag === "Left") return text(503, "Service Unavailable", requestId)
    const output = result.right
    if (output._tag === "Answered") {
      // Only a refusal lands here (the event is over the payload limit).
      return text(output.output.status, Buffer.from(output.output.body).toString("utf8"), requestId)
    }
    const { answer } = output
    return answer._tag === "Buffered"
      ? fromBuffered(res, requestId, answer.finished)
      : yield* fromStreamed(res, requestId, answer)
  }))
