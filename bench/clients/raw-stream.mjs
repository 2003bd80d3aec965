// Reference for the streaming row: the smallest correct streamed-response loop on node:http.
// next -> POST /response with `Lambda-Runtime-Function-Response-Mode: streaming`, chunked, the
// same STREAM_BYTES as effect-stream.ts sends, in 64 KiB writes that wait for `drain`.
import http from "node:http"

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":")
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const BASE = "/2018-06-01/runtime/invocation/"
const total = Number(process.env.STREAM_BYTES ?? 50 * 1024 * 1024)
const chunk = Buffer.alloc(64 * 1024, 120)

function fail(err) {
  console.error(err)
  process.exit(1)
}

function stream(id) {
  const req = http.request({
    host,
    port,
    method: "POST",
    path: BASE + encodeURIComponent(id) + "/response",
    agent,
    headers: {
      "Content-Type": "application/octet-stream",
      "Lambda-Runtime-Function-Response-Mode": "streaming",
      "Transfer-Encoding": "chunked",
      Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    }
  }, (ack) => {
    ack.resume()
    ack.on("end", next)
  })
  req.on("error", fail)
  let sent = 0
  const pump = () => {
    while (sent < total) {
      const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
      sent += piece.length
      if (!req.write(piece)) return req.once("drain", pump)
    }
    req.end()
  }
  pump()
}

function next() {
  http
    .get({ host, port, path: BASE + "next", agent }, (res) => {
      if (res.statusCode !== 200) fail(new Error(`next: HTTP ${res.statusCode}`))
      const id = res.headers["lambda-runtime-aws-request-id"]
      res.resume()
      res.on("end", () => stream(id))
    })
    .on("error", fail)
}

next()
