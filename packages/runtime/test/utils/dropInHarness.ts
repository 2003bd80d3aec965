// Runs one plain Node.js function under a runtime client (AWS's aws-lambda-ric or the drop-in
// runner) against a real Runtime API on 127.0.0.1 that hands out exactly one invocation, and
// records what the client did: the init error, the response or error report (headers, body,
// trailers), its stdout and its exit code. Outcomes are normalised so that two clients can be
// compared: timestamps and the task root are masked, stack frames outside the task root dropped.
import { spawn } from "node:child_process"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface Run {
  /** The Node binary and the client entry file. */
  readonly node: string
  readonly entry: string
  readonly taskRoot: string
  readonly handler: string
  /** The raw event body. */
  readonly event: string
  readonly env?: Readonly<Record<string, string>>
  readonly nextHeaders?: Readonly<Record<string, string>>
  readonly requestId: string
  readonly timeoutMs?: number
}

export interface Report {
  readonly path: string
  readonly headers: Record<string, string | undefined>
  readonly body: string
  readonly trailers: Record<string, string | undefined>
}

export interface Outcome {
  initError?: Report
  report?: Report
  exitCode?: number | null
  timedOut?: boolean
  stdout: string
  stderr: string
}

const COMPARED_HEADERS = [
  "content-type",
  "lambda-runtime-function-error-type",
  "lambda-runtime-function-response-mode",
  "lambda-runtime-function-xray-error-cause",
  "trailer"
]

const pick = (headers: http.IncomingHttpHeaders | NodeJS.Dict<string>, names: ReadonlyArray<string>) => {
  const out: Record<string, string | undefined> = {}
  for (const name of names) {
    const value = headers[name]
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : String(value)
  }
  return out
}

// Its own one-invocation Runtime API rather than FakeRuntimeApi or the emulator: both clients,
// AWS's included, must meet the same bare server, recorded byte for byte (trailers, the order of
// reports against the next `next`), with nothing of the emulator's (REPORT lines, restarts) between.
export const runOnce = (run: Run): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const outcome: Outcome = { stdout: "", stderr: "" }
    let nexts = 0
    let inFlight = 0
    let graceTimer: NodeJS.Timeout | undefined
    let finished = false
    let exited = false
    const held: Array<http.ServerResponse> = []
    const server = http.createServer((req, res) => {
      const isNext = req.method === "GET" && (req.url ?? "").endsWith("/invocation/next")
      if (!isNext) inFlight++
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const url = req.url ?? ""
        if (req.method === "GET" && url.endsWith("/invocation/next")) {
          nexts++
          if (nexts > 1) {
            // The client is done with the one invocation: everything it logged for it is out.
            held.push(res)
            // A streamed report travels on its own connection and may reach the server after the
            // next `next`: give it a moment before calling the invocation done without one.
            if (inFlight === 0 && outcome.report !== undefined) finish()
            else graceTimer = setTimeout(finish, 3_000)
            return
          }
          res.writeHead(200, {
            "content-type": "application/json",
            "lambda-runtime-aws-request-id": run.requestId,
            "lambda-runtime-deadline-ms": String(Date.now() + 30_000),
            "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:dropin",
            "lambda-runtime-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            ...run.nextHeaders
          })
          res.end(run.event)
          return
        }
        const report: Report = {
          path: url.replace(run.requestId, "{id}").replace(encodeURIComponent(run.requestId), "{id}"),
          headers: pick(req.headers, COMPARED_HEADERS),
          body: Buffer.concat(chunks).toString("utf8"),
          trailers: pick(req.trailers, ["lambda-runtime-function-error-type", "lambda-runtime-function-error-body"])
        }
        if (url.endsWith("/init/error")) outcome.initError = report
        else outcome.report = report
        // A report still being sent when the next `next` came (a stream ended in its trailers).
        if (--inFlight === 0 && nexts > 1) setImmediate(finish)
        res.writeHead(202, { "content-type": "application/json" })
        res.end(JSON.stringify({ status: "OK" }))
      })
    })
    let child: ReturnType<typeof spawn> | undefined
    let timer: NodeJS.Timeout | undefined
    const finish = () => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      clearTimeout(graceTimer)
      if (!exited) child?.kill("SIGKILL")
    }
    const done = () => {
      for (const res of held) res.destroy()
      server.close()
      resolve(outcome)
    }
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      child = spawn(run.node, [run.entry], {
        cwd: run.taskRoot,
        env: {
          PATH: process.env.PATH ?? "",
          LANG: "C.UTF-8",
          TZ: "UTC",
          AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
          _HANDLER: run.handler,
          LAMBDA_TASK_ROOT: run.taskRoot,
          AWS_LAMBDA_FUNCTION_NAME: "dropin",
          AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
          AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/dropin",
          AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/02/[$LATEST]abc",
          AWS_REGION: "us-east-1",
          ...run.env
        },
        stdio: ["ignore", "pipe", "pipe"]
      })
      child.stdout!.on("data", (d: Buffer) => (outcome.stdout += d.toString("utf8")))
      child.stderr!.on("data", (d: Buffer) => (outcome.stderr += d.toString("utf8")))
      child.on("error", reject)
      child.on("close", (code) => {
        exited = true
        if (!finished) outcome.exitCode = code
        finish()
        done()
      })
      timer = setTimeout(() => {
        outcome.timedOut = true
        finish()
      }, run.timeoutMs ?? 10_000)
    })
  })

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g

const FRAME = /^\s+at /

/** Masks what legitimately differs between two clients and keeps what must not. */
export const normaliser = (taskRoot: string) => {
  const mask = (s: string): string =>
    s.split(`file://${taskRoot}`).join("<root>").split(taskRoot).join("<root>").replace(ISO, "<time>")
  // A stack keeps its message lines and the frames in the user's code; the client's own frames
  // go. A require stack names the client's own file (AWS's index.mjs, or the runner bundle).
  const keep = (line: string) => !FRAME.test(line) || mask(line).includes("<root>")
  const line = (l: string) => /^- \//.test(l) && !mask(l).includes("<root>") ? "- <client>" : mask(l)
  const text = (s: string): string => s.split("\n").filter(keep).map(line).join("\n")
  const stack = (lines: ReadonlyArray<string>): Array<string> => lines.filter(keep).map(text)
  const value = (v: unknown): unknown => {
    if (typeof v === "string") return text(v)
    if (Array.isArray(v)) {
      return v.every((x) => typeof x === "string") ? stack(v as Array<string>) : v.map(value)
    }
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[k] = value(x)
      if (k_isXray(out)) {
        out.exceptions = (out.exceptions as Array<any>).map((e) => ({
          ...e,
          stack: (e.stack as Array<{ path: string }>).filter((f) => String(f.path).includes("<root>"))
        }))
        out.paths = (out.paths as Array<string>).filter((p) => p.includes("<root>"))
      }
      return out
    }
    return v
  }
  const json = (s: string): unknown => {
    try {
      return value(JSON.parse(s))
    } catch {
      return text(s)
    }
  }
  const logField = (field: string): unknown => {
    if (/^[[{]/.test(field.trim())) return json(field)
    return stack(field.split("\r")).join("\r")
  }
  const report = (r: Report | undefined) =>
    r === undefined ? undefined : {
      path: r.path,
      headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, k.includes("xray") ? json(v!) : v])),
      body: json(r.body),
      trailers: Object.fromEntries(
        Object.entries(r.trailers).map((
          [k, v]
        ) => [k, k.endsWith("body") ? json(Buffer.from(v!, "base64").toString("utf8")) : v])
      )
    }
  return (o: Outcome) => ({
    initError: report(o.initError),
    report: report(o.report),
    exitCode: o.exitCode,
    timedOut: o.timedOut ?? false,
    logs: o.stdout.split("\n").filter((l) => l !== "").map((line) => line.split("\t").map(logField))
  })
}

const k_isXray = (o: Record<string, unknown>) => Array.isArray(o.exceptions) && Array.isArray(o.paths)
