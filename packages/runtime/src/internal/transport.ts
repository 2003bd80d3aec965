/**
 * How the Runtime API clients (`RuntimeApi`, `ExtensionsApi`) talk HTTP: the transport
 * interface, and the one policy both wire implementations follow (`socketTransport.ts`, the
 * default: HTTP/1.1 on `net.Socket`s; `httpTransport.ts`: node:http).
 *
 * The policy: no timeout anywhere (`next` is a long poll, and the whole process may be frozen
 * between invocations). A `GET` (`next`) that fails on a *reused* connection before any byte of
 * the answer arrived is sent once more, on a fresh connection, after dropping the idle ones: the
 * connection most likely died while the process was frozen, and asking again is safe. A `POST`
 * or `PUT` is never sent twice: one cut short may already have been read and acted on, and a
 * report sent twice is worse than a lost connection. Any other failure is a `TransportError`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as http from "node:http"
import { TransportError } from "../RuntimeApiError.js"

/** @internal */
export type Method = "GET" | "POST" | "PUT"

/** @internal */
export type Headers = http.OutgoingHttpHeaders

/** @internal */
export interface RawResponse {
  readonly status: number
  /** Lower-case names. */
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** @internal */
export interface Transport {
  readonly request: (
    operation: string,
    method: Method,
    path: string,
    headers: Headers,
    body?: string | Uint8Array
  ) => Effect.Effect<RawResponse, TransportError>
  /**
   * `request` without Effect: the same exchange and policy, its outcome handed to `done` (once);
   * returns how to abandon it. The invocation loop's fast path (`loop.ts`) uses it.
   */
  readonly send: (
    operation: string,
    method: Method,
    path: string,
    headers: Headers,
    body: string | Uint8Array | undefined,
    done: (outcome: Outcome) => void
  ) => () => void
  /** Opens a chunked POST whose body is written piece by piece (streamed responses). */
  readonly openStream: (operation: string, path: string, headers: Headers) => StreamingRequest
  readonly close: () => void
}

/**
 * How one exchange ended: an answer (any status), or a failure of the wire.
 *
 * @internal
 */
export type Outcome =
  | { readonly _tag: "Response"; readonly response: RawResponse }
  | { readonly _tag: "Failure"; readonly error: TransportError }

/** @internal */
export interface StreamingRequest {
  /** Writes a chunk; waits for `drain` when the socket buffer is full. */
  readonly write: (chunk: Uint8Array) => Effect.Effect<void, TransportError>
  /** Ends the body (with trailers) and waits for the answer. */
  readonly end: (trailers?: Readonly<Record<string, string>>) => Effect.Effect<RawResponse, TransportError>
  /** The answer, if the API already sent one (for example a 400 before reading the body). */
  readonly early: () => RawResponse | undefined
  readonly abort: () => void
}

/**
 * Where a wire implementation reports how one attempt of an exchange ended; called once.
 *
 * @internal
 */
export interface Attempt {
  readonly onResponse: (response: RawResponse) => void
  /**
   * `idleDeath`: the request went out on a reused connection and no byte of the answer came
   * back, the sign of a connection that died while idle.
   */
  readonly onError: (error: unknown, idleDeath: boolean) => void
}

/**
 * What a wire implementation provides for `request`.
 *
 * @internal
 */
export interface Wire {
  /** Sends one attempt; returns how to abandon it (interruption). Errors go to `attempt.onError`. */
  readonly send: (
    method: Method,
    path: string,
    headers: Headers,
    body: string | Uint8Array | undefined,
    attempt: Attempt
  ) => () => void
  /** Drops every idle connection, so the next attempt opens a fresh one. */
  readonly dropIdle: () => void
}

/**
 * Splits `AWS_LAMBDA_RUNTIME_API` (`host:port`, `[::1]:port`, no scheme).
 *
 * @internal
 */
export const parseAddress = (address: string): { readonly hostname: string; readonly port: number } => {
  const url = new URL(`http://${address}`)
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  return { hostname, port: url.port === "" ? 80 : Number(url.port) }
}

const describe = (error: unknown): string => {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    return code !== undefined ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}

/** The `User-Agent` both API clients send (one home for it). */
export const USER_AGENT = `effect-lambda/0.1.0 (node ${process.version})`

/**
 * The fields of a status error from an API's answer: the JSON body's `errorType` and
 * `errorMessage` when it has them (the body is only a hint; the status decides the error's class).
 */
export const errorFields = (
  api: string,
  operation: string,
  response: RawResponse
): { readonly operation: string; readonly message: string; readonly errorType?: string } => {
  let errorType: string | undefined
  let message = `${api} answered ${response.status} to ${operation}`
  try {
    const json = JSON.parse(response.body.toString("utf8"))
    if (typeof json?.errorType === "string") errorType = json.errorType
    if (typeof json?.errorMessage === "string") message = json.errorMessage
  } catch {
    // Not JSON: the default message stands.
  }
  return errorType === undefined ? { operation, message } : { operation, message, errorType }
}

/**
 * The `TransportError` of `operation` for a failure of the wire.
 *
 * @internal
 */
export const transportError = (operation: string, error: unknown): TransportError =>
  new TransportError({ operation, message: describe(error), cause: error })

/**
 * One exchange on `wire`, with the policy above: the one home of the retry-`next`-once rule.
 * `done` is called once, unless the returned function abandons the exchange first.
 *
 * @internal
 */
export const send = (
  wire: Wire,
  operation: string,
  method: Method,
  path: string,
  headers: Headers,
  body: string | Uint8Array | undefined,
  done: (outcome: Outcome) => void
): () => void => {
  let abandon: (() => void) | undefined
  let over = false
  let current = 0
  const attempt = (n: number) => {
    current = n
    const abort = wire.send(method, path, headers, body, {
      onResponse: (response) => {
        if (over) return
        over = true
        abandon = undefined
        done({ _tag: "Response", response })
      },
      onError: (error, idleDeath) => {
        if (over) return
        abandon = undefined
        if (method === "GET" && idleDeath && n === 0) {
          // The idle connections likely died together (freeze/thaw): drop them, ask once more.
          wire.dropIdle()
          return attempt(1)
        }
        over = true
        done({ _tag: "Failure", error: transportError(operation, error) })
      }
    })
    // Unless the attempt already ended (or was replaced by the retry) from inside `send`.
    if (!over && current === n) abandon = abort
  }
  attempt(0)
  return () => {
    over = true
    abandon?.()
  }
}

/**
 * `send` as an Effect (interruption abandons the exchange).
 *
 * @internal
 */
export const request = (
  wire: Wire,
  operation: string,
  method: Method,
  path: string,
  headers: Headers,
  body?: string | Uint8Array
): Effect.Effect<RawResponse, TransportError> =>
  Effect.async<RawResponse, TransportError>((resume) => {
    const abandon = send(
      wire,
      operation,
      method,
      path,
      headers,
      body,
      (outcome) => resume(outcome._tag === "Response" ? Effect.succeed(outcome.response) : Effect.fail(outcome.error))
    )
    return Effect.sync(abandon)
  })
