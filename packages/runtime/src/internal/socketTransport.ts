/**
 * The default transport: HTTP/1.1 written and parsed directly on keep-alive `net.Socket`s, one
 * per concurrent invocation loop. node:http's generic machinery costs more CPU per call than the
 * rest of the runtime (measured in bench/): this is the same exchange with nothing else. Same
 * rules as the node:http transport: no timeouts, and one retry of `next` on a fresh socket when a
 * reused one fails before any byte of the answer.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as net from "node:net"
import { TransportError } from "../RuntimeApiError.js"
import { encodeRequest, type ParsedResponse, ProtocolError, ResponseParser } from "./http1.js"
import * as HttpTransport from "./httpTransport.js"

interface Pending {
  readonly onResponse: (response: ParsedResponse) => void
  readonly onError: (error: unknown, started: boolean) => void
}

class Connection {
  readonly parser = new ResponseParser()
  /** Completed exchanges: a connection that had one may have died idle (freeze/thaw). */
  exchanges = 0
  pending: Pending | undefined
  dead = false

  constructor(readonly socket: net.Socket, private readonly onIdleClose: (connection: Connection) => void) {
    socket.setNoDelay(true)
    socket.on("data", (data: Buffer) => this.onData(data))
    socket.on("error", (error) => this.fail(error))
    socket.on("close", () => this.onClose())
  }

  private onData(data: Buffer): void {
    const pending = this.pending
    if (pending === undefined) return this.fail(new ProtocolError("bytes received while no request was waiting"))
    let response: ParsedResponse | undefined
    try {
      response = this.parser.push(data)
    } catch (error) {
      return this.fail(error)
    }
    if (response === undefined) return
    if (this.parser.leftover > 0) return this.fail(new ProtocolError("bytes received after a complete answer"))
    this.pending = undefined
    this.exchanges++
    if (response.close) this.destroy()
    pending.onResponse(response)
  }

  private onClose(): void {
    this.dead = true
    const pending = this.pending
    if (pending === undefined) return this.onIdleClose(this)
    this.pending = undefined
    let response: ParsedResponse
    try {
      response = this.parser.end()
    } catch (error) {
      return pending.onError(error, this.parser.started)
    }
    this.exchanges++
    pending.onResponse(response)
  }

  fail(error: unknown): void {
    const pending = this.pending
    const started = this.parser.started
    this.pending = undefined
    this.destroy()
    pending?.onError(error, started)
  }

  destroy(): void {
    this.dead = true
    this.socket.destroy()
  }
}

const describe = (error: unknown): string => {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    return code !== undefined ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}

/** @internal */
export const make = (address: string, maxSockets: number): HttpTransport.Transport => {
  const { hostname, port } = HttpTransport.parseAddress(address)
  const idle: Array<Connection> = []
  const removeIdle = (connection: Connection) => {
    const index = idle.indexOf(connection)
    if (index !== -1) idle.splice(index, 1)
  }
  const connect = () => new Connection(net.connect({ host: hostname, port }), removeIdle)
  const take = (): Connection => {
    for (let connection = idle.pop(); connection !== undefined; connection = idle.pop()) {
      if (!connection.dead) return connection
    }
    return connect()
  }
  const release = (connection: Connection) => {
    if (!connection.dead && idle.length < maxSockets) idle.push(connection)
    else if (!connection.dead) connection.destroy()
  }
  // Streamed responses need chunked writes with trailers: node:http does that well, and they
  // are not the hot path.
  let streaming: HttpTransport.Transport | undefined

  const request: HttpTransport.Transport["request"] = (operation, method, path, headers, body) =>
    Effect.async<HttpTransport.RawResponse, TransportError>((resume) => {
      let bytes: Buffer
      try {
        bytes = encodeRequest(method, path, address, headers as Record<string, string>, body)
      } catch (error) {
        resume(Effect.fail(new TransportError({ operation, message: describe(error), cause: error })))
        return
      }
      let current: Connection | undefined
      const send = (attempt: number) => {
        const connection = take()
        current = connection
        const reused = connection.exchanges > 0
        connection.pending = {
          onResponse: (response) => {
            current = undefined
            release(connection)
            resume(Effect.succeed({ status: response.status, headers: response.headers, body: response.body }))
          },
          onError: (error, started) => {
            current = undefined
            // Only `next` (a GET) is retried: a POST cut short may already have been read and
            // acted on, and sending a report twice is worse than losing the connection.
            if (method === "GET" && reused && !started && attempt === 0) {
              // The idle sockets likely died together (freeze/thaw): drop them, retry on a fresh one.
              for (const other of idle.splice(0)) other.destroy()
              return send(1)
            }
            resume(Effect.fail(new TransportError({ operation, message: describe(error), cause: error })))
          }
        }
        connection.socket.write(bytes)
      }
      send(0)
      return Effect.sync(() => {
        // Interrupted mid-exchange: the connection's state is unknown, so it cannot be reused.
        if (current !== undefined) {
          current.pending = undefined
          current.destroy()
        }
      })
    })

  return {
    request,
    openStream: (operation, path, headers) => {
      streaming ??= HttpTransport.make(address, maxSockets)
      return streaming.openStream(operation, path, headers)
    },
    close: () => {
      for (const connection of idle.splice(0)) connection.destroy()
      streaming?.close()
    }
  }
}
