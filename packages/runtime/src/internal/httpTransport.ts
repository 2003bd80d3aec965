/** @internal */
import * as Effect from "effect/Effect"
import type * as http from "node:http"
import { TransportError } from "../RuntimeApiError.js"

// Loaded on first use, not imported: an ES import of node:http evaluates its lazy exports, which
// loads undici, zlib and crypto (~25 ms of cold start) that the default socket transport never needs.
let nodeHttp: typeof http | undefined
const loadHttp = (): typeof http => (nodeHttp ??= process.getBuiltinModule("node:http") as typeof http)

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
    method: "GET" | "POST" | "PUT",
    path: string,
    headers: http.OutgoingHttpHeaders,
    body?: string | Uint8Array
  ) => Effect.Effect<RawResponse, TransportError>
  /** Opens a chunked POST whose body is written piece by piece (streamed responses). */
  readonly openStream: (operation: string, path: string, headers: http.OutgoingHttpHeaders) => StreamingRequest
  readonly close: () => void
}

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
 * the whole process may be frozen between invocations. A `next` that fails on a *reused* socket
 * before any byte of the answer arrived (the socket died while the process was frozen) is
 * retried once on a fresh socket; any other failure is a `TransportError`.
 *
 * @internal
 */
export const make = (address: string, maxSockets: number): Transport => {
  const { hostname, port } = parseAddress(address)
  const http = loadHttp()
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
          // Only `next` (a GET) is retried: a POST cut short may already have been acted on.
          if (method === "GET" && !answered && req.reusedSocket && attempt === 0 && !done) {
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

  const openStream: Transport["openStream"] = (operation, path, headers) => {
    const req = http.request({ agent, hostname, port, method: "POST", path, headers })
    let answer: RawResponse | undefined
    let failure: TransportError | undefined
    const waiting = new Set<() => void>()
    const wake = () => {
      for (const resume of waiting) resume()
      waiting.clear()
    }
    req.on("response", (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }
        wake()
      })
      res.on("error", (error) => {
        failure ??= new TransportError({ operation, message: describe(error), cause: error })
        wake()
      })
    })
    req.on("error", (error) => {
      failure ??= new TransportError({ operation, message: describe(error), cause: error })
      wake()
    })
    req.on("drain", wake)
    // Resolves on the first of: the condition holds, the request failed.
    const until = (ready: () => boolean) =>
      Effect.async<void, TransportError>((resume) => {
        const check = () => {
          if (failure !== undefined) return resume(Effect.fail(failure)), true
          if (ready()) return resume(Effect.void), true
          return false
        }
        if (check()) return
        const onWake = () => {
          if (!check()) waiting.add(onWake)
        }
        waiting.add(onWake)
        return Effect.sync(() => void waiting.delete(onWake))
      })
    return {
      write: (chunk) =>
        Effect.suspend(() => {
          if (failure !== undefined) return Effect.fail(failure)
          if (answer !== undefined) return Effect.void
          return req.write(chunk) ? Effect.void : until(() => !req.writableNeedDrain || answer !== undefined)
        }),
      end: (trailers) =>
        Effect.suspend(() => {
          if (answer === undefined && failure === undefined && !req.writableEnded) {
            if (trailers !== undefined) req.addTrailers(trailers)
            req.end()
          }
          return Effect.flatMap(until(() => answer !== undefined), () => Effect.succeed(answer!))
        }),
      early: () => answer,
      abort: () => {
        req.destroy()
      }
    }
  }

  return { request, openStream, close: () => agent.destroy() }
}
