// Minimal Lambda Runtime API (2018-06-01) for benchmarking, run as its own process (forked with an
// IPC channel) so that its work never shares an event loop with the client being measured.
//
// It serves exactly `n` invocations, then holds every further `next` open, as Lambda does when no
// event is waiting, and reports its figures to the parent over IPC. Times come from
// process.hrtime (CLOCK_MONOTONIC), which the parent reads too, so spawn -> first `next` can be
// measured across processes.
//
// Config: JSON in argv[2]: { n, window?: number, rssAt?: number[], streamBytes?: number }
//   window  response count at which throughput, latency percentiles and peak RSS are taken
//           (default n). The client cannot tell a 20k run from the first 20k of a 100k run, so
//           one long run yields both the throughput figures and the memory-growth figure.
//   rssAt   response counts at which the client's VmRSS is read from /proc/<pid>/status
//           (the parent sends { type: "client", pid } once it has spawned the client)
//   signalAt  response counts at which the client gets SIGUSR2 (the allocation/GC phase: its
//           preloaded probe, lib/gcprobe.mjs, starts and ends its window on them)
//   streamBytes  the size every streamed response must have (the streaming row); its bodies are
//           counted rather than kept
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { eventBody, expectedResponse, FUNCTION_ARN, requestId, traceId } from "./lib/event.mjs"
import { quantileSorted } from "./lib/stats.mjs"

const config = JSON.parse(process.argv[2] ?? "{}")
const n = config.n ?? 1000
const windowN = Math.min(config.window ?? n, n)
const rssAt = new Set(config.rssAt ?? [])
const signalAt = new Set(config.signalAt ?? [])

const PREFIX = "/2018-06-01/runtime/"
const INVOCATION = PREFIX + "invocation/"
const nowMs = () => Number(process.hrtime.bigint()) / 1e6

let clientPid
let issued = 0
let responses = 0
let errors = 0
let badResponses = 0
let firstBad
let streamed = 0
let firstNextAt
let cpuAtFirstNext // client CPU ms spent before its first `next`: init, excluded from the per-invocation cost
let firstResponseAt
let lastResponseAt
let windowFigures
const rssKb = {}
const initErrors = []
const held = []
const pending = new Map() // request id -> index of the invocation
const sentAt = new Float64Array(n) // ms, when the `next` answer was handed to the socket
const latencyUs = new Float64Array(n) // next answer -> response fully received

function procStatusKb(field) {
  if (clientPid === undefined) return undefined
  try {
    const m = readFileSync(`/proc/${clientPid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

// Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on Linux in practice).
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system, all threads) the client has used so far, in ms. */
function procCpuMs() {
  if (clientPid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${clientPid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ") // fields[0] is field 3, `state`
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000
  } catch {
    return undefined
  }
}

function send(message) {
  if (process.send) process.send(message)
  else console.log(JSON.stringify(message))
}

function serveNext(res) {
  const t = nowMs()
  if (firstNextAt === undefined) {
    firstNextAt = t
    cpuAtFirstNext = procCpuMs()
  }
  if (issued >= n) {
    // Past N: hold the long poll, as Lambda does with a frozen or idle sandbox.
    held.push(res)
    return
  }
  const i = issued++
  const id = requestId(i)
  pending.set(id, i)
  res.writeHead(200, [
    "Content-Type",
    "application/json",
    "Content-Length",
    String(eventBody.length),
    "Lambda-Runtime-Aws-Request-Id",
    id,
    "Lambda-Runtime-Deadline-Ms",
    String(Date.now() + 300_000),
    "Lambda-Runtime-Invoked-Function-Arn",
    FUNCTION_ARN,
    "Lambda-Runtime-Trace-Id",
    traceId(i)
  ])
  sentAt[i] = nowMs()
  res.end(eventBody)
}

function accepted(res) {
  res.writeHead(202, ["Content-Type", "application/json", "Content-Length", "16"])
  res.end("{\"status\":\"OK\"}\n")
}

function reject(res, status, errorType, errorMessage) {
  const body = JSON.stringify({ errorMessage, errorType })
  res.writeHead(status, ["Content-Type", "application/json", "Content-Length", String(Buffer.byteLength(body))])
  res.end(body)
}

function onResult(req, res, id, kind) {
  const i = pending.get(id)
  if (i === undefined) {
    req.resume()
    return reject(res, 400, "InvalidRequestID", "Invalid request ID")
  }
  // Streaming responses arrive here too: node:http de-chunks the body and the latency is taken
  // when the last byte is in, whatever the response mode.
  if (req.headers["lambda-runtime-function-response-mode"] === "streaming") {
    streamed++
    if (config.streamBytes !== undefined) return onStreamed(req, res, id, i)
  }
  let body = ""
  req.setEncoding("utf8")
  req.on("data", (chunk) => (body += chunk))
  req.on("end", () => {
    const t = nowMs()
    pending.delete(id)
    latencyUs[i] = (t - sentAt[i]) * 1000
    if (kind === "error") {
      errors++
      if (firstBad === undefined) firstBad = { kind, body: body.slice(0, 500) }
    } else if (body !== expectedResponse && !sameMessage(body)) {
      badResponses++
      if (firstBad === undefined) firstBad = { kind, body: body.slice(0, 500) }
    }
    accepted(res)
    responses++
    if (firstResponseAt === undefined) firstResponseAt = t
    if (rssAt.has(responses)) rssKb[responses] = procStatusKb("VmRSS")
    if (signalAt.has(responses) && clientPid !== undefined) process.kill(clientPid, "SIGUSR2")
    if (responses === windowN) windowFigures = figures(t, windowN)
    if (responses === n) finish(t)
  })
}

// The streaming row: bodies of `config.streamBytes` bytes, counted, not kept. A wrong size or
// error trailers count as a bad response.
function onStreamed(req, res, id, i) {
  let size = 0
  req.on("data", (chunk) => (size += chunk.length))
  req.on("end", () => {
    const t = nowMs()
    pending.delete(id)
    latencyUs[i] = (t - sentAt[i]) * 1000
    const errorType = req.trailers["lambda-runtime-function-error-type"]
    if (size !== config.streamBytes || errorType !== undefined) {
      badResponses++
      if (firstBad === undefined) {
        firstBad = {
          kind: "stream",
          body: `${size} bytes of ${config.streamBytes}${errorType ? `, error ${errorType}` : ""}`
        }
      }
    }
    accepted(res)
    responses++
    if (firstResponseAt === undefined) firstResponseAt = t
    if (signalAt.has(responses) && clientPid !== undefined) process.kill(clientPid, "SIGUSR2")
    if (responses === windowN) windowFigures = figures(t, windowN)
    if (responses === n) finish(t)
  })
}

// Byte-equal is the common case; a client may legitimately serialise with other spacing.
function sameMessage(body) {
  try {
    return JSON.parse(body).message === JSON.parse(expectedResponse).message
  } catch {
    return false
  }
}

/** Figures over the first `count` invocations, taken when the count-th response is in. */
function figures(t, count) {
  const elapsedMs = t - firstNextAt
  const lat = Array.from(latencyUs.subarray(0, count)).sort((a, b) => a - b)
  return {
    n: count,
    elapsedMs,
    throughput: (count / elapsedMs) * 1000,
    // Client CPU per invocation is steadier than throughput on a shared 2-core machine: it does not
    // depend on who else got the cores. Tick resolution (10 ms) is fine over thousands of invocations.
    cpuUsPerInvocation: cpuAtFirstNext === undefined ? undefined : ((procCpuMs() - cpuAtFirstNext) * 1000) / count,
    latencyUs: { p50: quantileSorted(lat, 0.5), p99: quantileSorted(lat, 0.99), max: lat[lat.length - 1] },
    // VmHWM is the kernel's own peak-RSS counter for the process.
    peakRssKb: procStatusKb("VmHWM")
  }
}

function finish(t) {
  lastResponseAt = t
  send({
    type: "done",
    result: {
      n,
      responses,
      errors,
      badResponses,
      firstBad,
      streamed,
      initErrors,
      firstNextAt,
      firstResponseAt,
      lastResponseAt,
      window: windowFigures,
      rssKb,
      // Read before the parent kills the client.
      peakRssKbEnd: procStatusKb("VmHWM"),
      finalRssKb: procStatusKb("VmRSS")
    }
  })
}

const server = createServer(
  { noDelay: true, keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 },
  (req, res) => {
    const url = req.url
    if (url.startsWith(INVOCATION)) {
      const rest = url.slice(INVOCATION.length)
      if (rest === "next" && req.method === "GET") return serveNext(res)
      const slash = rest.lastIndexOf("/")
      const action = rest.slice(slash + 1)
      if (req.method === "POST" && slash > 0 && (action === "response" || action === "error")) {
        return onResult(req, res, decodeURIComponent(rest.slice(0, slash)), action)
      }
    } else if (url === PREFIX + "init/error" && req.method === "POST") {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        initErrors.push({ errorType: req.headers["lambda-runtime-function-error-type"], body: body.slice(0, 2000) })
        send({
          type: "init-error",
          errorType: req.headers["lambda-runtime-function-error-type"],
          body: body.slice(0, 2000)
        })
        accepted(res)
      })
      return
    }
    req.resume()
    reject(res, 404, "NotFound", `${req.method} ${url}`)
  }
)
server.keepAliveTimeout = 0

process.on("message", (m) => {
  if (m?.type === "client") clientPid = m.pid
  else if (m?.type === "shutdown") shutdown()
})
process.on("disconnect", shutdown)

function shutdown() {
  for (const res of held) res.destroy()
  server.closeAllConnections()
  server.close()
  process.exit(0)
}

server.listen(0, "127.0.0.1", () => {
  send({ type: "listening", port: server.address().port })
})
