/**
 * A small HTTP/1.1 response parser for the Runtime API client: status line, headers,
 * Content-Length and chunked bodies (with trailers), strict limits on header size and count.
 * Incremental: bytes may arrive split or coalesced at any point.
 *
 * @internal
 */

/** @internal */
export interface ParsedResponse {
  readonly status: number
  /** Lower-case names; repeated headers joined with ", " as Node does. */
  readonly headers: Record<string, string>
  readonly body: Buffer
  /** The server asked to close the connection after this answer. */
  readonly close: boolean
}

/** @internal */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError"
}

/** @internal */
export const MAX_HEAD_BYTES = 64 * 1024
/** @internal */
export const MAX_HEADERS = 100
/** Larger than any Runtime API answer can be (payloads are capped at 6 MB / 20 MB streamed). */
const MAX_BODY_BYTES = 64 * 1024 * 1024

const CRLFCRLF = Buffer.from("\r\n\r\n")
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

type State =
  | { readonly _tag: "Head" }
  | { readonly _tag: "Length"; readonly remaining: number }
  | { readonly _tag: "ChunkSize" }
  | { readonly _tag: "ChunkData"; readonly remaining: number }
  | { readonly _tag: "ChunkDataEnd" }
  | { readonly _tag: "Trailers" }
  | { readonly _tag: "UntilClose" }

/**
 * Parses one response at a time. `push` returns the response once it is complete (and keeps any
 * bytes after it, which is a protocol error for a client that never pipelines).
 *
 * @internal
 */
export class ResponseParser {
  private buffer: Buffer = Buffer.alloc(0)
  private state: State = { _tag: "Head" }
  private status = 0
  private headers: Record<string, string> = {}
  private close = false
  private chunks: Array<Buffer> = []
  private bodyBytes = 0
  /** Whether any byte of the current answer arrived: a failure before it may be retried. */
  started = false

  constructor(private readonly expectBody: () => boolean = () => true) {}

  /** Feeds bytes; returns the complete response, or undefined when more bytes are needed. */
  push(data: Buffer): ParsedResponse | undefined {
    if (data.length > 0) this.started = true
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data])
    for (;;) {
      switch (this.state._tag) {
        case "Head": {
          const end = this.buffer.indexOf(CRLFCRLF)
          if (end === -1) {
            if (this.buffer.length > MAX_HEAD_BYTES) throw new ProtocolError("response head too large")
            return undefined
          }
          if (end > MAX_HEAD_BYTES) throw new ProtocolError("response head too large")
          this.parseHead(this.buffer.subarray(0, end).toString("latin1"))
          this.buffer = this.buffer.subarray(end + 4)
          this.state = this.bodyState()
          break
        }
        case "Length": {
          const take = Math.min(this.state.remaining, this.buffer.length)
          if (take > 0) this.addBody(this.buffer.subarray(0, take))
          this.buffer = this.buffer.subarray(take)
          const remaining = this.state.remaining - take
          if (remaining > 0) {
            this.state = { _tag: "Length", remaining }
            return undefined
          }
          return this.complete()
        }
        case "ChunkSize": {
          const end = this.buffer.indexOf("\r\n")
          if (end === -1) {
            if (this.buffer.length > 1024) throw new ProtocolError("chunk size line too long")
            return undefined
          }
          const line = this.buffer.subarray(0, end).toString("latin1")
          this.buffer = this.buffer.subarray(end + 2)
          const sizeText = line.split(";", 1)[0]!.trim()
          if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) {
            throw new ProtocolError(`bad chunk size ${JSON.stringify(line.slice(0, 32))}`)
          }
          const size = parseInt(sizeText, 16)
          this.state = size === 0 ? { _tag: "Trailers" } : { _tag: "ChunkData", remaining: size }
          break
        }
        case "ChunkData": {
          const take = Math.min(this.state.remaining, this.buffer.length)
          if (take > 0) this.addBody(this.buffer.subarray(0, take))
          this.buffer = this.buffer.subarray(take)
          const remaining = this.state.remaining - take
          if (remaining > 0) {
            this.state = { _tag: "ChunkData", remaining }
            return undefined
          }
          this.state = { _tag: "ChunkDataEnd" }
          break
        }
        case "ChunkDataEnd": {
          if (this.buffer.length < 2) return undefined
          if (this.buffer[0] !== 13 || this.buffer[1] !== 10) throw new ProtocolError("chunk not followed by CRLF")
          this.buffer = this.buffer.subarray(2)
          this.state = { _tag: "ChunkSize" }
          break
        }
        case "Trailers": {
          // Trailer fields (ignored) end with an empty line.
          const end = this.buffer.indexOf("\r\n")
          if (end === -1) {
            if (this.buffer.length > MAX_HEAD_BYTES) throw new ProtocolError("trailers too large")
            return undefined
          }
          this.buffer = this.buffer.subarray(end + 2)
          if (end === 0) return this.complete()
          break
        }
        case "UntilClose": {
          if (this.buffer.length > 0) this.addBody(this.buffer)
          this.buffer = Buffer.alloc(0)
          return undefined
        }
      }
    }
  }

  /** The connection ended: completes a body delimited by the close, else reports a cut answer. */
  end(): ParsedResponse {
    if (this.state._tag === "UntilClose") return this.complete()
    throw new ProtocolError(
      this.started ? "connection closed in the middle of the answer" : "connection closed before any answer"
    )
  }

  /** Bytes received after a complete answer (none expected: the client never pipelines). */
  get leftover(): number {
    return this.buffer.length
  }

  private parseHead(head: string): void {
    const lines = head.split("\r\n")
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]!)
    if (statusLine === null) throw new ProtocolError(`bad status line ${JSON.stringify(lines[0]!.slice(0, 64))}`)
    this.status = Number(statusLine[2])
    if (lines.length - 1 > MAX_HEADERS) throw new ProtocolError("too many headers")
    const headers: Record<string, string> = {}
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(":")
      if (colon <= 0) throw new ProtocolError(`bad header line ${JSON.stringify(line.slice(0, 64))}`)
      const name = line.slice(0, colon)
      if (!TOKEN.test(name)) throw new ProtocolError(`bad header name ${JSON.stringify(name.slice(0, 64))}`)
      const key = name.toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
    }
    this.headers = headers
    const connection = headers["connection"]?.toLowerCase()
    this.close = statusLine[1] === "0" ? connection !== "keep-alive" : connection === "close"
  }

  private bodyState(): State {
    if (!this.expectBody() || this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) {
      return { _tag: "Length", remaining: 0 }
    }
    const encoding = this.headers["transfer-encoding"]
    if (encoding !== undefined) {
      if (encoding.toLowerCase().split(",").map((s) => s.trim()).pop() !== "chunked") {
        throw new ProtocolError(`unsupported transfer-encoding ${JSON.stringify(encoding)}`)
      }
      return { _tag: "ChunkSize" }
    }
    const length = this.headers["content-length"]
    if (length !== undefined) {
      if (!/^[0-9]{1,10}$/.test(length)) throw new ProtocolError(`bad content-length ${JSON.stringify(length)}`)
      const n = Number(length)
      if (n > MAX_BODY_BYTES) throw new ProtocolError("answer too large")
      return { _tag: "Length", remaining: n }
    }
    this.close = true
    return { _tag: "UntilClose" }
  }

  private addBody(chunk: Buffer): void {
    this.bodyBytes += chunk.length
    if (this.bodyBytes > MAX_BODY_BYTES) throw new ProtocolError("answer too large")
    this.chunks.push(chunk)
  }

  private complete(): ParsedResponse {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
    const response = { status: this.status, headers: this.headers, body, close: this.close }
    this.state = { _tag: "Head" }
    this.chunks = []
    this.bodyBytes = 0
    this.headers = {}
    this.started = false
    return response
  }
}

/**
 * The bytes of a request: head and body in one buffer, so one write (one syscall) sends it.
 *
 * @internal
 */
export const encodeRequest = (
  method: string,
  path: string,
  host: string,
  headers: Readonly<Record<string, string | number | ReadonlyArray<string> | undefined>>,
  body: string | Uint8Array | undefined
): Buffer => {
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(", ") : String(value)
    // Header injection guard: a CR or LF in a value would start a new header.
    if (/[\r\n]/.test(text) || /[\r\n:]/.test(name)) throw new ProtocolError(`invalid header ${name}`)
    head += `${name}: ${text}\r\n`
  }
  if (body === undefined) return Buffer.from(`${head}\r\n`, "latin1")
  const bytes = typeof body === "string" ? Buffer.from(body) : body
  if (headers["content-length"] === undefined) head += `content-length: ${bytes.byteLength}\r\n`
  const headBytes = Buffer.from(`${head}\r\n`, "latin1")
  return Buffer.concat([headBytes, bytes])
}
