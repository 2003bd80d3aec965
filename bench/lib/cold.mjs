// One cold start, measured from the harness: spawn the client against a Runtime API served from
// this process, and at its first `next` read the wall time since spawn and the CPU time the
// client's process has used so far (sum over its threads of /proc/<pid>/task/*/schedstat, in ns).
// CPU time is the figure that survives a busy machine: wall time includes waiting for a core.
// (Not bench/server.mjs: this answers only the first `next` and must read the CPU time right then.)
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import http from "node:http"
import { nowMs } from "./proc.mjs"

/** CPU milliseconds used so far by every live thread of `pid`, or NaN where /proc cannot tell. */
export function cpuMs(pid) {
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0])
    }
    return ns / 1e6
  } catch {
    return NaN
  }
}

const invocationHeaders = {
  "content-type": "application/json",
  "lambda-runtime-aws-request-id": "cold-0001",
  "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
  "lambda-runtime-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
}

/**
 * Resolves to `{ ok: true, nextMs, cpuMs, responseMs, body }` or `{ ok: false, reason, output }`;
 * never rejects. `launch(api)` gives `{ command, args, env, cwd }`.
 */
export async function measureCold({ launch, event, timeoutMs = 30_000 }) {
  let child
  let spawnAt = 0
  let resolveOutcome
  const outcome = new Promise((r) => (resolveOutcome = r))
  const result = {}
  const server = http.createServer((req, res) => {
    // The Extensions API as Lambda serves it: the runtime's internal extension registers during
    // init (part of the cold start measured) and its event/next stays pending.
    if (req.url === "/2020-01-01/extension/register") {
      req.resume()
      res.writeHead(200, { "content-type": "application/json", "lambda-extension-identifier": "bench-ext" })
      res.end(JSON.stringify({ functionName: "bench", functionVersion: "$LATEST", handler: "index.handler" }))
      return
    }
    if (req.url === "/2020-01-01/extension/event/next") return
    if (req.url.endsWith("/invocation/next")) {
      if (result.nextMs !== undefined) return // the second `next`: leave it hanging
      result.nextMs = nowMs() - spawnAt
      result.cpuMs = cpuMs(child.pid)
      res.writeHead(200, invocationHeaders)
      res.end(JSON.stringify(event))
      return
    }
    let body = ""
    req.setEncoding("utf8").on("data", (d) => (body += d))
    req.on("end", () => {
      res.writeHead(202, { "content-type": "application/json" }).end("{\"status\":\"OK\"}")
      if (req.url.includes("/response")) resolveOutcome({ ok: true, ...result, responseMs: nowMs() - spawnAt, body })
      else resolveOutcome({ ok: false, reason: `${req.url}: ${body.slice(0, 300)}` })
    })
  })
  await new Promise((r) => server.listen(0, "127.0.0.1", r))
  const { command, args, env, cwd } = launch(`127.0.0.1:${server.address().port}`)
  let output = ""
  spawnAt = nowMs()
  child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] })
  child.stdout.setEncoding("utf8").on("data", (d) => (output = (output + d).slice(-2000)))
  child.stderr.setEncoding("utf8").on("data", (d) => (output = (output + d).slice(-2000)))
  child.once("exit", (code, signal) => resolveOutcome({ ok: false, reason: `exited with ${code ?? signal}` }))
  const timer = setTimeout(() => resolveOutcome({ ok: false, reason: `timed out after ${timeoutMs} ms` }), timeoutMs)
  const r = await outcome
  clearTimeout(timer)
  child.kill("SIGKILL")
  if (child.exitCode === null && child.signalCode === null) await new Promise((res) => child.once("exit", res))
  server.closeAllConnections()
  await new Promise((res) => server.close(res))
  return r.ok ? r : { ...r, output }
}
