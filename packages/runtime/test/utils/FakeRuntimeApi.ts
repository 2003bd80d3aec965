// A scriptable Runtime API on 127.0.0.1 (port 0) for tests of the live client: each test says
// how to answer, and reads back every request as it arrived on the wire.
// The other fake Runtime APIs each have a reason to stay: http1.test.ts's raw TCP server writes
// bytes node:http will not (a bad status line, an answer split byte by byte); the conformance
// example's process.test.ts keeps the example self-contained (it is meant to be copied out of
// this repository), and examples/telemetry-buffer's extension.test.ts alike; utils/dropInHarness.ts
// gives AWS's aws-lambda-ric and the drop-in runner the same bare one-invocation API, recorded
// byte for byte; bench/server.mjs runs in its own process so that it never shares an event loop
// with the client it measures; bench/lib/cold.mjs is plain node and answers only the first `next`,
// reading the client's CPU time at that moment.
import * as Effect from "effect/Effect"
import * as http from "node:http"
import type * as net from "node:net"

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
  readonly trailers: NodeJS.Dict<string>
  readonly socket: number
}

/** Takes a request whose body the test wants to read itself (streamed responses). */
export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void

export type Respond = (request: Recorded, res: http.ServerResponse, index: number) => void

export interface FakeApi {
  readonly address: string
  readonly requests: Array<Recorded>
  /** How many TCP connections the client opened. */
  readonly connections: () => number
  setHandler(handler: Respond): void
  /** Closes every idle keep-alive socket, as a freeze/thaw or an idle timeout would. */
  dropIdle(): void
  /** Streamed requests whose URL matches go to `handler` unread. */
  raw(handler: RawHandler, match: (url: string) => boolean): void
}

export const make = (
  initial: Respond,
  host = "127.0.0.1"
): Effect.Effect<FakeApi, never, import("effect/Scope").Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: http.Server; api: FakeApi }>((resume) => {
      let handler = initial
      const rawRoutes: Array<{ handler: RawHandler; match: (url: string) => boolean }> = []
      const requests: Array<Recorded> = []
      const sockets = new Map<net.Socket, number>()
      const busy = new Set<net.Socket>()
      const server = http.createServer((req, res) => {
        const socket = sockets.get(req.socket)!
        busy.add(req.socket)
        res.on("finish", () => busy.delete(req.socket))
        const route = req.headers["lambda-runtime-function-response-mode"] === "streaming"
          ? rawRoutes.find((r) => r.match(req.url!))
          : undefined
        if (route !== undefined) return route.handler(req, res)
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          const recorded = {
            method: req.method!,
            url: req.url!,
            headers: req.headers,
            body: Buffer.concat(chunks),
            trailers: req.trailers,
            socket
          }
          requests.push(recorded)
          handler(recorded, res, requests.length - 1)
        })
      })
      server.keepAliveTimeout = 60_000
      server.on("connection", (socket) => {
        sockets.set(socket, sockets.size + 1)
        socket.on("close", () => busy.delete(socket))
      })
      server.listen(0, host, () => {
        const { port } = server.address() as net.AddressInfo
        resume(Effect.succeed({
          server,
          api: {
            address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
            requests,
            connections: () => sockets.size,
            setHandler: (next) => {
              handler = next
            },
            raw: (rawHandler, match) => {
              rawRoutes.push({ handler: rawHandler, match })
            },
            dropIdle: () => {
              for (const socket of sockets.keys()) if (!busy.has(socket)) socket.destroy()
            }
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ api }) => api))

export const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {}
) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers })
  res.end(text)
}

export const invocationHeaders = (
  requestId: string,
  extra: http.OutgoingHttpHeaders = {}
): http.OutgoingHttpHeaders => ({
  "lambda-runtime-aws-request-id": requestId,
  "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:f",
  "lambda-runtime-trace-id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  ...extra
})

/** Answers `next` with one invocation per call and accepts every report. */
export const standard: Respond = (request, res, index) => {
  if (request.url.endsWith("/invocation/next")) {
    res.writeHead(200, { ...invocationHeaders(`id-${index}`), "content-type": "application/json" })
    res.end(JSON.stringify({ n: index }))
  } else {
    json(res, 202, { status: "OK" })
  }
}
