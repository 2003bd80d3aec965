// Baseline: the smallest correct Runtime API loop on node:http with a keep-alive agent.
// next -> JSON.parse -> handler -> JSON.stringify -> POST response, one invocation at a time.
// It is what a careful hand-written custom runtime looks like without any framework.
import http from "node:http"

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":")
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const BASE = "/2018-06-01/runtime/invocation/"

const handler = (event) => ({ message: `hello ${event.name}` })

function fail(err) {
  console.error(err)
  process.exit(1)
}

function readBody(res, done) {
  let body = ""
  res.setEncoding("utf8")
  res.on("data", (chunk) => (body += chunk))
  res.on("end", () => done(body))
  res.on("error", fail)
}

function next() {
  http
    .get({ host, port, path: BASE + "next", agent }, (res) => {
      if (res.statusCode !== 200) fail(new Error(`next: HTTP ${res.statusCode}`))
      const id = res.headers["lambda-runtime-aws-request-id"]
      readBody(res, (text) => {
        const payload = JSON.stringify(handler(JSON.parse(text)))
        const req = http.request(
          {
            host,
            port,
            method: "POST",
            path: BASE + encodeURIComponent(id) + "/response",
            agent,
            headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
          },
          (ack) => {
            ack.resume()
            ack.on("end", next)
          }
        )
        req.on("error", fail)
        req.end(payload)
      })
    })
    .on("error", fail)
}

next()
