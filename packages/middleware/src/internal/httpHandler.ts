/**
 * Lambda HTTP events <-> `@effect/platform` requests and responses.
 *
 * @internal
 */
import type { Alb, ApiGateway, FunctionUrl } from "@effect-lambda/events"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { STATUS_CODES } from "node:http"

/** @internal */
export type Source = "apiGatewayV2" | "apiGatewayV1" | "functionUrl" | "alb"

/** @internal */
export type AnyEvent =
  | ApiGateway.ApiGatewayProxyEventV2
  | FunctionUrl.FunctionUrlEvent
  | ApiGateway.ApiGatewayProxyEvent
  | Alb.AlbEvent

/** @internal */
export type AnyResult =
  | ApiGateway.ApiGatewayProxyResultV2
  | FunctionUrl.FunctionUrlResult
  | ApiGateway.ApiGatewayProxyResult
  | Alb.AlbResult

/** The request as the four event formats agree on it. */
interface Parts {
  readonly method: string
  readonly host: string
  readonly scheme: string
  readonly path: string
  /** Raw (percent-encoded) query string, without `?`. */
  readonly query: string
  /** Lower-cased names; repeated headers joined as HTTP joins them. */
  readonly headers: Record<string, string>
  readonly body: string | undefined
  readonly isBase64Encoded: boolean
  readonly remoteAddress: string | undefined
}

/** Which format an event that decoded (by the union of the four schemas) is in. */
export const sourceOf = (event: AnyEvent): Source => {
  if ("version" in event && event.version === "2.0") {
    // Function URLs send the 2.0 format; only their domain tells them apart.
    return (event as ApiGateway.ApiGatewayProxyEventV2).requestContext.domainName.includes(".lambda-url.")
      ? "functionUrl"
      : "apiGatewayV2"
  }
  return "elb" in event.requestContext ? "alb" : "apiGatewayV1"
}

const joinHeaders = (
  single: Readonly<Record<string, string>> | null | undefined,
  multi: Readonly<Record<string, ReadonlyArray<string>>> | null | undefined
): Record<string, string> => {
  const out: Record<string, string> = {}
  if (multi !== null && multi !== undefined) {
    for (const name in multi) {
      const key = name.toLowerCase()
      const values = multi[name]!
      // `cookie` is the one request header whose values are joined with "; ", not ", ".
      const joined = values.join(key === "cookie" ? "; " : ", ")
      out[key] = out[key] === undefined ? joined : `${out[key]}${key === "cookie" ? "; " : ", "}${joined}`
    }
  } else if (single !== null && single !== undefined) {
    for (const name in single) out[name.toLowerCase()] = single[name]!
  }
  return out
}

const queryString = (
  single: Readonly<Record<string, string>> | null | undefined,
  multi: Readonly<Record<string, ReadonlyArray<string>>> | null | undefined,
  encode: (s: string) => string
): string => {
  const parts: Array<string> = []
  if (multi !== null && multi !== undefined) {
    for (const key in multi) for (const value of multi[key]!) parts.push(`${encode(key)}=${encode(value)}`)
  } else if (single !== null && single !== undefined) {
    for (const key in single) parts.push(`${encode(key)}=${encode(single[key]!)}`)
  }
  return parts.join("&")
}

const identity = (s: string) => s

const schemeOf = (headers: Record<string, string>) => {
  const proto = headers["x-forwarded-proto"]
  return proto === "http" ? "http" : "https"
}

const partsV2 = (event: ApiGateway.ApiGatewayProxyEventV2 | FunctionUrl.FunctionUrlEvent): Parts => {
  const headers: Record<string, string> = {}
  for (const name in event.headers) headers[name.toLowerCase()] = event.headers[name]!
  // 2.0 moves cookies out of the headers; the app reads them from `cookie` as usual.
  if (event.cookies !== undefined && event.cookies.length > 0) headers.cookie = event.cookies.join("; ")
  return {
    method: event.requestContext.http.method,
    host: headers.host ?? event.requestContext.domainName,
    scheme: schemeOf(headers),
    path: event.rawPath,
    query: event.rawQueryString,
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    remoteAddress: event.requestContext.http.sourceIp
  }
}

const partsV1 = (event: ApiGateway.ApiGatewayProxyEvent): Parts => {
  const headers = joinHeaders(event.headers, event.multiValueHeaders)
  return {
    method: event.httpMethod,
    host: headers.host ?? event.requestContext.domainName ?? "localhost",
    scheme: schemeOf(headers),
    path: event.path,
    // API Gateway 1.0 hands over decoded query values: encode them back.
    query: queryString(event.queryStringParameters, event.multiValueQueryStringParameters, encodeURIComponent),
    headers,
    body: event.body ?? undefined,
    isBase64Encoded: event.isBase64Encoded,
    remoteAddress: event.requestContext.identity.sourceIp
  }
}

const partsAlb = (event: Alb.AlbEvent): Parts => {
  const headers = joinHeaders(event.headers, event.multiValueHeaders)
  const forwarded = headers["x-forwarded-for"]
  return {
    method: event.httpMethod,
    host: headers.host ?? "localhost",
    scheme: schemeOf(headers),
    path: event.path,
    // The ALB passes query values exactly as the client sent them (still encoded).
    query: queryString(event.queryStringParameters, event.multiValueQueryStringParameters, identity),
    headers,
    body: event.body === "" ? undefined : event.body,
    isBase64Encoded: event.isBase64Encoded,
    remoteAddress: forwarded === undefined ? undefined : forwarded.split(",")[0]!.trim()
  }
}

const partsOf = (event: AnyEvent, source: Source): Parts => {
  switch (source) {
    case "apiGatewayV2":
    case "functionUrl":
      return partsV2(event as ApiGateway.ApiGatewayProxyEventV2)
    case "apiGatewayV1":
      return partsV1(event as ApiGateway.ApiGatewayProxyEvent)
    case "alb":
      return partsAlb(event as Alb.AlbEvent)
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * A web `Request` whose body is already in memory (the event's). Giving the body to `Request`
 * makes it a stream that `text()` reads back through undici: measured at ~60 µs per request on
 * Node 20, against ~7 µs for this. What `HttpServerRequest` reads (`text`, `arrayBuffer`, `body`
 * for streams and multipart) answers from the buffer; `json` too, for web handlers.
 */
// Typed loosely: the DOM typings declare the body readers as properties, not methods.
const RequestBase = Request as unknown as new(url: string, init: { readonly method: string }) => object

class BufferedRequest extends RequestBase {
  readonly #body: string | Uint8Array
  constructor(url: string, method: string, body: string | Uint8Array) {
    super(url, { method })
    this.#body = body
  }
  text(): Promise<string> {
    const body = this.#body
    return Promise.resolve(typeof body === "string" ? body : decoder.decode(body))
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#bytes()
    return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  }
  json(): Promise<unknown> {
    return this.text().then(JSON.parse)
  }
  get body(): ReadableStream<Uint8Array> {
    const bytes = this.#bytes()
    return new ReadableStream({
      start(controller) {
        controller.enqueue(bytes)
        controller.close()
      }
    })
  }
  #bytes(): Uint8Array {
    const body = this.#body
    return typeof body === "string" ? encoder.encode(body) : body
  }
}

/**
 * The event as an `HttpServerRequest`, through a web `Request` (what `HttpServerRequest.fromWeb`
 * reads the method, URL and body from). Headers and the remote address are set on the request
 * directly: the event already has them lower-cased, and a web `Headers` would reject values
 * that API Gateway lets through.
 *
 * @internal
 */
export const toServerRequest = (event: AnyEvent, source: Source): HttpServerRequest.HttpServerRequest => {
  const parts = partsOf(event, source)
  const method = parts.method.toUpperCase()
  const url = `${parts.scheme}://${parts.host}${parts.path.startsWith("/") ? "" : "/"}${parts.path}${
    parts.query === "" ? "" : `?${parts.query}`
  }`
  const hasBody = parts.body !== undefined && parts.body !== "" && method !== "GET" && method !== "HEAD"
  const request = hasBody
    ? new BufferedRequest(
      url,
      method,
      parts.isBase64Encoded ? Buffer.from(parts.body!, "base64") : parts.body!
    ) as unknown as Request
    : new Request(url, { method })
  return HttpServerRequest.fromWeb(request).modify(
    parts.remoteAddress === undefined
      ? { headers: Headers.unsafeFromRecord(parts.headers) }
      : { headers: Headers.unsafeFromRecord(parts.headers), remoteAddress: parts.remoteAddress }
  )
}

const TEXTUAL =
  /^(?:text\/|application\/(?:json|javascript|ecmascript|xml|x-www-form-urlencoded|graphql|x-ndjson)\b|[a-z]+\/[^;]*\+(?:json|xml)\b)/i

/**
 * Whether a response with this content type goes back base64 encoded: anything but text, JSON,
 * XML, JavaScript and forms. A body without a content type is binary only if it is not UTF-8.
 *
 * @internal
 */
export const defaultIsBinary = (contentType: string | undefined): boolean =>
  contentType !== undefined && !TEXTUAL.test(contentType)

const utf8 = new TextDecoder("utf-8", { fatal: true })

const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** The bytes or text of a response body. Buffered bodies are read directly, others via `toWeb`. */
const bodyOf = (response: HttpServerResponse.HttpServerResponse): Effect.Effect<string | Uint8Array | undefined> => {
  const body = response.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      if (typeof body.body === "string" || body.body instanceof Uint8Array) return Effect.succeed(body.body)
      break
  }
  // FormData, streams and other raw bodies: let the platform render them as a web Response
  // (streams run on the current runtime, inside the request's scope) and read it whole.
  return Effect.flatMap(Effect.runtime<never>(), (runtime) =>
    Effect.promise(async () => {
      const web = HttpServerResponse.toWeb(response, { runtime })
      return new Uint8Array(await web.arrayBuffer())
    }))
}

/**
 * The options `render` reads.
 *
 * @internal
 */
export interface RenderOptions {
  readonly isBinary: (contentType: string | undefined) => boolean
}

/**
 * A response in the result shape of `source`. `albMultiValue`: the ALB target group sent
 * multi-value headers, so it expects them back.
 *
 * @internal
 */
export const render = (
  response: HttpServerResponse.HttpServerResponse,
  source: Source,
  request: { readonly method: string; readonly albMultiValue: boolean },
  options: RenderOptions
): Effect.Effect<AnyResult> =>
  Effect.map(request.method === "HEAD" ? Effect.succeed(undefined) : bodyOf(response), (raw) => {
    const { cookies: setCookies, headers } = splitHeaders(response)

    let body = ""
    let isBase64Encoded = false
    if (typeof raw === "string") {
      body = raw
    } else if (raw !== undefined && raw.length > 0) {
      const contentType = headers["content-type"]
      const text = options.isBinary(contentType) || headers["content-encoding"] !== undefined
        ? undefined
        : decodeUtf8(raw)
      if (text === undefined) {
        body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64")
        isBase64Encoded = true
      } else {
        body = text
      }
    }

    const statusCode = response.status
    switch (source) {
      case "apiGatewayV2":
      case "functionUrl":
        return setCookies.length > 0
          ? { statusCode, headers, cookies: setCookies, body, isBase64Encoded }
          : { statusCode, headers, body, isBase64Encoded }
      case "apiGatewayV1":
        // API Gateway merges both maps; only Set-Cookie needs several values.
        return setCookies.length > 0
          ? { statusCode, headers, multiValueHeaders: { "set-cookie": setCookies }, body, isBase64Encoded }
          : { statusCode, headers, body, isBase64Encoded }
      case "alb": {
        const statusDescription = `${statusCode} ${STATUS_CODES[statusCode] ?? ""}`.trimEnd()
        if (request.albMultiValue) {
          const multiValueHeaders: Record<string, Array<string>> = {}
          for (const name in headers) multiValueHeaders[name] = [headers[name]!]
          if (setCookies.length > 0) multiValueHeaders["set-cookie"] = setCookies
          return { statusCode, statusDescription, multiValueHeaders, body, isBase64Encoded }
        }
        // A single-value target group can carry one Set-Cookie only: enable multi-value
        // headers on the target group to send several.
        if (setCookies.length > 0) headers["set-cookie"] = setCookies[0]!
        return { statusCode, statusDescription, headers, body, isBase64Encoded }
      }
    }
  })

/** @internal */
export const methodOf = (event: AnyEvent, source: Source): string =>
  (source === "apiGatewayV2" || source === "functionUrl"
    ? (event as ApiGateway.ApiGatewayProxyEventV2).requestContext.http.method
    : (event as ApiGateway.ApiGatewayProxyEvent).httpMethod).toUpperCase()

/** @internal */
export const isAlbMultiValue = (event: AnyEvent, source: Source): boolean =>
  source === "alb" && (event as Alb.AlbEvent).multiValueHeaders !== undefined

/**
 * Headers and Set-Cookie values of a response, split as the 2.0 formats carry them: Set-Cookie
 * as `cookies`, everything else as one value per name.
 *
 * @internal
 */
export const splitHeaders = (
  response: HttpServerResponse.HttpServerResponse
): { readonly headers: Record<string, string>; readonly cookies: Array<string> } => {
  const headers: Record<string, string> = {}
  const cookies: Array<string> = []
  for (const name in response.headers) {
    const value = response.headers[name]!
    if (name === "set-cookie") cookies.push(value)
    else headers[name] = value
  }
  if (!Cookies.isEmpty(response.cookies)) cookies.push(...Cookies.toSetCookieHeaders(response.cookies))
  return { headers, cookies }
}
