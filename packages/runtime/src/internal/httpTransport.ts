/** @internal */
import * as Effect from "effect/Effect"
import * as http from "node:http"
import { TransportError } from "../RuntimeApiError.js"

/** @internal */
export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** @internal */
export interface Transport {
  readonly request: (
    operation: string,
    method: "GET" | "POST",
    path: string,
    headers: http.OutgoingHttpHeaders,
    body?: string | Uint8Array
  ) => Effect.Effect<RawResponse, TransportError>
  readonly close: () => void
}

/**
 * Splits `AWS_LAMBDA_RUNTIME_API` (`host:port`, `[::1]:port`, no scheme).
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

/**
 * HTTP/1.1 over a keep-alive `node:http` agent. No timeout anywhere: `next` is a long poll and
 * the whole process may be frozen between invocations. A request that fails on a *reused*
 * socket before any byte of the answer arrived (the socket died while the process was frozen)
 * is retried once on a fresh socket; any other failure is a `TransportError`.
 *
 * @internal
 */
export const make = (address: string, maxSockets: number): Transport => {
  const { hostname, port } = parseAddress(address)
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })

  const dropIdleSockets = () => {
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy()
    }
  }

  const request: Transport["request"] = (operation, method, path, headers, body) =>
    Effect.async<RawResponse, TransportError>((resume) => {
      let current: http.ClientRequest | undefined
      let done = false
      const fail = (error: unknown) => {
        if (done) return
        done = true
        resume(Effect.fail(new TransportError({ operation, message: describe(error), cause: error })))
      }
      const send = (attempt: number) => {
        let answered = false
        const req = http.request({ agent, hostname, port, method, path, headers })
        current = req
        req.on("response", (res) => {
          answered = true
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("error", fail)
          res.on("aborted", () => fail(new Error("connection closed in the middle of the answer")))
          res.on("end", () => {
            if (done) return
            if (!res.complete) return fail(new Error("connection closed in the middle of the answer"))
            done = true
            resume(Effect.succeed({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
            }))
          })
        })
        req.on("error", (error) => {
          if (!answered && req.reusedSocket && attempt === 0 && !done) {
            // The idle sockets likely died together (freeze/thaw): drop them so the retry opens a fresh one.
            dropIdleSockets()
            return send(1)
          }
          fail(error)
        })
        req.end(body)
      }
      send(0)
      return Effect.sync(() => {
        done = true
        current?.destroy()
      })
    })

  return { request, close: () => agent.destroy() }
}
