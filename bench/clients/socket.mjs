// The floor: a Runtime API loop speaking HTTP/1.1 directly on one keep-alive net.Socket.
// Request bytes are written as one string; the response parser handles what a Runtime API may
// send (status line, headers, Content-Length or chunked bodies, split or coalesced packets) and
// nothing else. Everything node:http does beyond that is what the other clients pay for.
import net from "node:net"

const api = process.env.AWS_LAMBDA_RUNTIME_API
const [host, port] = api.split(":")
const BASE = "/2018-06-01/runtime/invocation/"
const NEXT = `GET ${BASE}next HTTP/1.1\r\nHost: ${api}\r\n\r\n`
const MAX_HEAD = 64 * 1024

const handler = (event) => ({ message: `hello ${event.name}` })

function fail(err) {
  console.error(err)
  process.exit(1)
}

let pending = null // bytes received and not yet consumed
let onResponse // continuation for the one request in flight

const socket = net.connect({ host, port: Number(port), noDelay: true })
socket.on("error", fail)
socket.on("close", () => fail(new Error("Runtime API closed the connection")))
socket.on("data", (chunk) => {
  pending = pending === null ? chunk : Buffer.concat([pending, chunk])
  while (pending !== null && onResponse !== undefined) {
    const response = parseResponse(pending)
    if (response === undefined) return
    pending = response.end < pending.length ? pending.subarray(response.end) : null
    const k = onResponse
    onResponse = undefined
    k(response)
  }
})

/** A complete response at the start of buf, or undefined if more bytes are needed. */
function parseResponse(buf) {
  const headEnd = buf.indexOf("\r\n\r\n")
  if (headEnd === -1) {
    if (buf.length > MAX_HEAD) fail(new Error("response head too large"))
    return undefined
  }
  const lines = buf.toString("latin1", 0, headEnd).split("\r\n")
  const status = Number(lines[0].slice(9, 12))
  const headers = {}
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":")
    if (colon > 0) headers[lines[i].slice(0, colon).toLowerCase()] = lines[i].slice(colon + 1).trim()
  }
  const start = headEnd + 4
  if (headers["content-length"] !== undefined) {
    const end = start + Number(headers["content-length"])
    return end > buf.length ? undefined : { status, headers, body: buf.subarray(start, end), end }
  }
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) return parseChunked(buf, start, status, headers)
  if (status === 204 || status === 304) return { status, headers, body: buf.subarray(start, start), end: start }
  return fail(new Error(`HTTP ${status} without Content-Length or chunked encoding`))
}

function parseChunked(buf, pos, status, headers) {
  const parts = []
  while (true) {
    const lineEnd = buf.indexOf("\r\n", pos)
    if (lineEnd === -1) return undefined
    const size = parseInt(buf.toString("latin1", pos, lineEnd), 16) // chunk extensions after ';' are ignored by parseInt
    if (Number.isNaN(size)) fail(new Error("malformed chunk size"))
    pos = lineEnd + 2
    if (size === 0) {
      // Optional trailers, then the empty line that ends the message.
      if (buf.length < pos + 2) return undefined
      if (buf[pos] === 13 && buf[pos + 1] === 10) return { status, headers, body: Buffer.concat(parts), end: pos + 2 }
      const trailersEnd = buf.indexOf("\r\n\r\n", pos)
      return trailersEnd === -1 ? undefined : { status, headers, body: Buffer.concat(parts), end: trailersEnd + 4 }
    }
    if (pos + size + 2 > buf.length) return undefined
    parts.push(buf.subarray(pos, pos + size))
    pos += size + 2
  }
}

function next() {
  onResponse = (res) => {
    if (res.status !== 200) fail(new Error(`next: HTTP ${res.status}`))
    const id = res.headers["lambda-runtime-aws-request-id"]
    const payload = JSON.stringify(handler(JSON.parse(res.body.toString("utf8"))))
    onResponse = (ack) => {
      if (ack.status !== 202) fail(new Error(`response: HTTP ${ack.status}`))
      next()
    }
    socket.write(
      `POST ${BASE}${encodeURIComponent(id)}/response HTTP/1.1\r\nHost: ${api}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`
    )
  }
  socket.write(NEXT)
}

socket.once("connect", next)
