/**
 * The default transport: HTTP/1.1 written and parsed directly on keep-alive `net.Socket`s, one
 * per concurrent invocation loop. node:http's generic machinery costs more CPU per call than the
 * rest of the runtime (measured in bench/): this is the same exchange with nothing else. The
 * policy (no timeouts, `next` retried once) is `transport.ts`'s; this file is only the wire.
 *
 * @internal
 */
import * as net from "node:net"
import { encodeRequest, ProtocolError, ResponseParser } from "./http1.js"
import * as HttpTransport from "./httpTransport.js"
import * as Transport from "./transport.js"

class Connection {
  readonly parser = new ResponseParser()
  /** Completed exchanges: a connection that had one may have died idle (freeze/thaw). */
  exchanges = 0
  pending: Transport.Attempt | undefined
  /** Whether the pending request went out on a connection that had served one before. */
  reused = false
  dead = false

  constructor(
    readonly socket: net.Socket,
    private readonly onIdleClose: (connection: Connection) => void,
    private readonly onDone: (connection: Connection) => void
  ) {
    socket.setNoDelay(true)
    socket.on("data", (data: Buffer) => this.onData(data))
    socket.on("error", (error) => this.fail(error))
    socket.on("close", () => this.onClose())
  }

  send(bytes: Buffer, attempt: Transport.Attempt): void {
    this.pending = attempt
    this.reused = this.exchanges > 0
    this.socket.write(bytes)
  }

  private onData(data: Buffer): void {
    const pending = this.pending
    if (pending === undefined) return this.fail(new ProtocolError("bytes received while no request was waiting"))
    let response
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
    this.onDone(this)
    pending.onResponse(response)
  }

  private onClose(): void {
    this.dead = true
    const pending = this.pending
    if (pending === undefined) return this.onIdleClose(this)
    this.pending = undefined
    let response
    try {
      response = this.parser.end()
    } catch (error) {
      return pending.onError(error, this.reused && !this.parser.started)
    }
    this.exchanges++
    pending.onResponse(response)
  }

  fail(error: unknown): void {
    const pending = this.pending
    const idleDeath = this.reused && !this.parser.started
    this.pending = undefined
    this.destroy()
    pending?.onError(error, idleDeath)
  }

  /** Interrupted mid-exchange: the connection's state is unknown, so it cannot be reused. */
  abandon(): void {
    this.pending = undefined
    this.destroy()
  }

  destroy(): void {
    this.dead = true
    this.socket.destroy()
  }
}

/** @internal */
export const make = (address: string, maxSockets: number): Transport.Transport => {
  const { hostname, port } = Transport.parseAddress(address)
  const idle: Array<Connection> = []
  const removeIdle = (connection: Connection) => {
    const index = idle.indexOf(connection)
    if (index !== -1) idle.splice(index, 1)
  }
  const release = (connection: Connection) => {
    if (!connection.dead && idle.length < maxSockets) idle.push(connection)
    else if (!connection.dead) connection.destroy()
  }
  const take = (): Connection => {
    for (let connection = idle.pop(); connection !== undefined; connection = idle.pop()) {
      if (!connection.dead) return connection
    }
    return new Connection(net.connect({ host: hostname, port }), removeIdle, release)
  }
  const wire: Transport.Wire = {
    send: (method, path, headers, body, attempt) => {
      let bytes: Buffer
      try {
        bytes = encodeRequest(method, path, address, headers, body)
      } catch (error) {
        attempt.onError(error, false)
        return () => {}
      }
      const connection = take()
      connection.send(bytes, attempt)
      return () => {
        if (connection.pending === attempt) connection.abandon()
      }
    },
    dropIdle: () => {
      for (const connection of idle.splice(0)) connection.destroy()
    }
  }
  // Streamed responses need chunked writes with trailers: node:http does that well, and they
  // are not the hot path.
  let streaming: Transport.Transport | undefined

  return {
    request: (operation, method, path, headers, body) =>
      Transport.request(wire, operation, method, path, headers, body),
    send: (operation, method, path, headers, body, done) =>
      Transport.send(wire, operation, method, path, headers, body, done),
    openStream: (operation, path, headers) => {
      streaming ??= HttpTransport.make(address, maxSockets)
      return streaming.openStream(operation, path, headers)
    },
    close: () => {
      wire.dropIdle()
      streaming?.close()
    }
  }
}
