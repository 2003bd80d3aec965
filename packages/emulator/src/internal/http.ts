/**
 * What every server of the emulator shares: reading a request's headers from node's message,
 * JSON and method answers, listening on a port of its own with the connection policy (timeouts,
 * allowed `Host` names), and the address a runtime reaches a server by.
 *
 * @internal
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import { ListenFailed, PortInUse } from "../EmulatorError.js"

export const json = (status: number, value: unknown) => HttpServerResponse.unsafeJson(value, { status })

/** Go's chi router answers a known path with the wrong method with an empty 405. */
export const methodNotAllowed = (allow: string) => HttpServerResponse.empty({ status: 405, headers: { allow } })

/** `handler` for requests with the `allowed` method, the 405 of `methodNotAllowed` for the rest. */
export const method = <E, R>(
  allowed: "GET" | "POST" | "PUT",
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request) => request.method === allowed ? handler : Effect.succeed(methodNotAllowed(allowed))
  )

/** Node's message of the request being served: bodies and trailers are read from it directly. */
export const incoming = Effect.map(HttpServerRequest.HttpServerRequest, NodeHttpServerRequest.toIncomingMessage)

/** A header's value, repeated values joined with commas. */
export const headerOf = (
  req: { readonly headers: Readonly<Record<string, string | Array<string> | undefined>> },
  name: string
): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(",") : value
}

export const header = (name: string) => Effect.map(incoming, (req) => headerOf(req, name))

/** The value of AWS_LAMBDA_RUNTIME_API (host:port) for a server bound to `host`. */
export const address = (host: string, port: number) => {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host
  return reachable.includes(":") ? `[${reachable}]:${port}` : `${reachable}:${port}`
}

/** How the emulator's servers treat connections. */
export interface ConnectionPolicy {
  /**
   * `Host` names (without port) a request may carry besides the loopback ones; `undefined`
   * accepts any (the emulator was bound to a wider address on purpose).
   */
  readonly allowedHosts: ReadonlySet<string> | undefined
  /** An idle keep-alive connection is closed after this long; zero: never. */
  readonly keepAliveTimeout: Duration.Duration
  /** A client must send its whole request head within this long. */
  readonly headersTimeout: Duration.Duration
  /**
   * Refuse requests that a browser sends for another origin's page (a plain cross-origin POST
   * needs no CORS preflight, so any web site the user visits could invoke the function). Off for
   * the Function URL front: a local web app calling its Function URL is the point of it.
   */
  readonly refuseCrossOrigin?: boolean
}

/**
 * Listens with a node server of our own (so that open long polls can be cut on shutdown: node's
 * `server.close()` waits for every open request), mapping a busy port to `PortInUse`, and serves
 * `app` on it.
 */
export const serve = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest>,
  options: { readonly host: string; readonly port: number; readonly policy: ConnectionPolicy }
) =>
  Effect.gen(function*() {
    const { host, policy, port } = options
    const nodeServer = Http.createServer({
      // node starts a connection's headers clock when it accepts it, so a connection that sends
      // nothing is answered 408 and closed too: enough silent ones would lock new clients out at
      // the file limit. (A timer of our own beside it raced node's check: the client got a 408
      // or a bare close depending on which came first.)
      headersTimeout: Duration.toMillis(policy.headersTimeout),
      // node checks the timeouts every 30 s by default: a silent connection would live that long
      connectionsCheckingInterval: Math.min(1_000, Duration.toMillis(policy.headersTimeout))
    })
    nodeServer.keepAliveTimeout = Duration.toMillis(policy.keepAliveTimeout)
    const server = yield* NodeHttpServer.make(() => nodeServer, { host, port }).pipe(
      Effect.mapError((error) => {
        const cause = error.cause as NodeJS.ErrnoException | undefined
        return cause?.code === "EADDRINUSE"
          ? new PortInUse({ host, port })
          : new ListenFailed({ host, port, reason: cause?.message ?? String(error) })
      })
    )
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    const checked = hostCheck(policy.refuseCrossOrigin === true ? originCheck(app) : app, policy.allowedHosts)
    yield* HttpServer.serveEffect(checked).pipe(
      Effect.provideService(HttpServer.HttpServer, server)
    )
    const bound = server.address
    return bound._tag === "TcpAddress" ? bound.port : port
  })

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i

/** Whether a bind address (or a host name) is a loopback one. */
export const isLoopback = (host: string): boolean => loopbackHost.test(host)

/** The host name of a `Host` header, without its port. */
const hostName = (value: string): string => {
  if (value.startsWith("[")) {
    const end = value.indexOf("]")
    return end < 0 ? value : value.slice(0, end + 1)
  }
  const colon = value.lastIndexOf(":")
  return colon < 0 ? value : value.slice(0, colon)
}

/**
 * Whether a request's `Host` names this machine: a web page the user opens must not reach the
 * emulator through a DNS name that resolves to 127.0.0.1 (DNS rebinding).
 */
export const isAllowedHost = (value: string | undefined, allowed: ReadonlySet<string> | undefined): boolean => {
  if (allowed === undefined) return true
  // HTTP/1.0 clients may send no Host at all; they are not browsers.
  if (value === undefined) return true
  const name = hostName(value.trim()).toLowerCase()
  return loopbackHost.test(name) || allowed.has(name)
}

const hostCheck = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest>,
  allowed: ReadonlySet<string> | undefined
) =>
  allowed === undefined ?
    app :
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      isAllowedHost(request.headers["host"], allowed)
        ? app
        : Effect.succeed(
          HttpServerResponse.text("421 Misdirected Request: Host is not a loopback name", { status: 421 })
        ))

/**
 * Whether a request was sent by a browser for a page of another origin: browsers send `Origin` on
 * every cross-origin request but GET/HEAD navigations, and `Sec-Fetch-Site` where they support it.
 * Programs (the AWS SDK and CLI, curl, runtimes, extensions) send neither.
 */
export const isCrossOriginRequest = (headers: Readonly<Record<string, string | undefined>>): boolean => {
  const site = headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin" && site !== "none") return true
  const origin = headers["origin"]
  if (origin === undefined) return false
  if (origin === "null") return true
  try {
    return new URL(origin).host.toLowerCase() !== (headers["host"] ?? "").trim().toLowerCase()
  } catch {
    return true
  }
}

const originCheck = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest>
) =>
  Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request) =>
      request.method !== "GET" && request.method !== "HEAD" && isCrossOriginRequest(request.headers)
        ? Effect.succeed(
          HttpServerResponse.text("403 Forbidden: a web page of another origin may not call the emulator", {
            status: 403
          })
        )
        : app
  )
