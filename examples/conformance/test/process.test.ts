// The built bootstrap as a real child process against a scripted Runtime API on 127.0.0.1:
// exit codes, signals and finalizers can only be checked this way (and on built JS, not tsx).
import { describe, expect, it } from "@effect/vitest"
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import type * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

const bootstrap = path.resolve(__dirname, "../bootstrap")

interface Call {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

type Script = (call: Call, res: http.ServerResponse, calls: ReadonlyArray<Call>) => void

const nextAnswer = (
  res: http.ServerResponse,
  requestId: string,
  event: unknown,
  extra: http.OutgoingHttpHeaders = {}
) => {
  res.writeHead(200, {
    "lambda-runtime-aws-request-id": requestId,
    "lambda-runtime-deadline-ms": String(Date.now() + 30_000),
    "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:conformance",
    "content-type": "application/json",
    ...extra
  })
  res.end(JSON.stringify(event))
}

const accepted = (res: http.ServerResponse, status = 202, body: unknown = { status: "OK" }) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

interface Run {
  readonly calls: Array<Call>
  /** Extensions / Telemetry API calls, apart from the Runtime API's. */
  readonly extensionCalls: Array<Call>
  /** Every call's method and path, in arrival order, both APIs. */
  readonly order: Array<string>
  readonly child: cp.ChildProcess
  readonly output: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly waitFor: (predicate: (calls: ReadonlyArray<Call>) => boolean) => Promise<void>
  readonly server: http.Server
}

const runs: Array<Run> = []

// Without an Extensions API (as an emulator without one): 404, as on a server without the route.
const noExtensionsApi: Script = (_call, res) =>
  accepted(res, 404, { errorType: "NotFound", errorMessage: "404 page not found" })

// Its own fake Runtime API on node:http rather than the runtime package's test utility: an
// example stays self-contained, as it is meant to be copied out of this repository.
const start = async (
  script: Script,
  env: Record<string, string> = {},
  extensions: Script = noExtensionsApi
): Promise<Run> => {
  const calls: Array<Call> = []
  const extensionCalls: Array<Call> = []
  const order: Array<string> = []
  const waiters: Array<() => void> = []
  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (chunk) => body += chunk)
    req.on("end", () => {
      const call = { method: req.method!, url: req.url!, headers: req.headers, body }
      order.push(`${call.method} ${call.url}`)
      if (!call.url.startsWith("/2018-06-01/")) {
        extensionCalls.push(call)
        extensions(call, res, extensionCalls)
      } else {
        calls.push(call)
        script(call, res, calls)
      }
      for (const wake of waiters.splice(0)) wake()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as net.AddressInfo
  const child = cp.spawn(bootstrap, [], {
    env: { PATH: process.env.PATH!, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, AWS_LAMBDA_LOG_LEVEL: "INFO", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout!.on("data", (chunk) => output += chunk)
  child.stderr!.on("data", (chunk) => output += chunk)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  const waitFor = async (predicate: (calls: ReadonlyArray<Call>) => boolean) => {
    while (!predicate(calls)) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  const run = { calls, extensionCalls, order, child, output: () => output, exited, waitFor, server }
  runs.push(run)
  return run
}

const stop = async (run: Run) => {
  run.child.kill("SIGKILL")
  run.server.closeAllConnections()
  await new Promise((resolve) => run.server.close(resolve))
}

/**
 * Fails the test instead of hanging if the process does not exit in `ms`: a bound for a hang,
 * not a speed check, so callers give 20 s (a loaded 2-core CI box can take seconds to start and
 * stop a process; what "promptly" means is then checked by mechanism, e.g. no timeout path taken).
 */
const exitWithin = (run: Run, ms: number) =>
  Promise.race([
    run.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no exit within ${ms} ms; output:\n${run.output()}`)), ms)
    )
  ])

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "conformance-")), "released")

const isNext = (call: Call) => call.url === "/2018-06-01/runtime/invocation/next"

describe("conformance bootstrap as a process (needs `pnpm build`)", () => {
  it("serves invocations with the right paths and bodies, and sets _X_AMZN_TRACE_ID", async () => {
    const trace = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
    const run = await start((call, res, calls) => {
      if (!isNext(call)) return accepted(res)
      const n = calls.filter(isNext).length
      if (n === 1) return nextAnswer(res, "a/1", { op: "echo", value: "x" })
      if (n === 2) return nextAnswer(res, "b", { op: "context" }, { "lambda-runtime-trace-id": trace })
      if (n === 3) return nextAnswer(res, "c", { op: "fail", tag: "Nope", message: "m" })
      // then stay in the long poll
    })
    try {
      await run.waitFor((calls) => calls.filter(isNext).length === 4)
      const posts = run.calls.filter((call) => !isNext(call))
      expect(posts.map((call) => call.url)).toEqual([
        "/2018-06-01/runtime/invocation/a%2F1/response",
        "/2018-06-01/runtime/invocation/b/response",
        "/2018-06-01/runtime/invocation/c/error"
      ])
      expect(posts[0]!.body).toBe("\"x\"")
      expect(JSON.parse(posts[1]!.body)).toMatchObject({
        requestId: "b",
        traceId: trace,
        traceEnv: trace,
        functionName: "test_function"
      })
      expect(posts[2]!.headers["lambda-runtime-function-error-type"]).toBe("Function.Nope")
      expect(JSON.parse(posts[2]!.headers["lambda-runtime-function-xray-error-cause"] as string).exceptions[0].type)
        .toBe("Nope")
    } finally {
      await stop(run)
    }
  })

  for (const where of ["next", "response"] as const) {
    it(`a 500 on ${where} makes the process exit non-zero promptly, finalizers run`, async () => {
      const file = tempFile()
      const run = await start((call, res) => {
        if (where === "next" && isNext(call)) {
          return accepted(res, 500, { errorType: "InternalServerError", errorMessage: "boom" })
        }
        if (isNext(call)) return nextAnswer(res, "id-1", { op: "echo", value: 1 })
        accepted(res, 500, { errorType: "InternalServerError", errorMessage: "boom" })
      }, { CONFORMANCE_FINALIZER_FILE: file })
      try {
        const { code } = await exitWithin(run, 20_000)
        expect(code).not.toBe(0)
        expect(code).not.toBeNull()
        expect(fs.readFileSync(file, "utf8")).toBe("released\n")
        expect(run.output()).toContain("ContainerError")
      } finally {
        await stop(run)
      }
    })
  }

  it("SIGTERM while idle in next: finalizers run, exit 0", async () => {
    const file = tempFile()
    const run = await start(() => {}, { CONFORMANCE_FINALIZER_FILE: file })
    try {
      await run.waitFor((calls) => calls.some(isNext))
      run.child.kill("SIGTERM")
      const { code } = await exitWithin(run, 20_000)
      expect(code).toBe(0)
      expect(fs.readFileSync(file, "utf8")).toBe("released\n")
    } finally {
      await stop(run)
    }
  })

  it("SIGTERM while a handler runs: that invocation is reported before exit 0", async () => {
    const file = tempFile()
    const run = await start((call, res) => {
      if (isNext(call)) return nextAnswer(res, "busy", { op: "sleep", ms: 60_000, value: 1 })
      accepted(res)
    }, { CONFORMANCE_FINALIZER_FILE: file })
    try {
      await run.waitFor((calls) => calls.some(isNext))
      await new Promise((resolve) => setTimeout(resolve, 300))
      run.child.kill("SIGTERM")
      const { code } = await exitWithin(run, 20_000)
      expect(code).toBe(0)
      const reports = run.calls.filter((call) => !isNext(call))
      expect(reports.map((call) => call.url)).toEqual(["/2018-06-01/runtime/invocation/busy/error"])
      expect(fs.readFileSync(file, "utf8")).toBe("released\n")
    } finally {
      await stop(run)
    }
  })

  it("an init failure is posted to /init/error and the process exits non-zero without polling next", async () => {
    const run = await start((_call, res) => accepted(res), { CONFORMANCE_INIT: "fail" })
    try {
      const { code } = await exitWithin(run, 20_000)
      expect(code).not.toBe(0)
      expect(run.calls.map((call) => call.url)).toEqual(["/2018-06-01/runtime/init/error"])
      expect(run.calls[0]!.headers["lambda-runtime-function-error-type"]).toBe("Runtime.InitError")
      expect(JSON.parse(run.calls[0]!.body)).toMatchObject({ errorType: "InitBoom" })
    } finally {
      await stop(run)
    }
  })

  it("a stale keep-alive socket (closed while idle) is retried and no invocation is lost", async () => {
    const sockets = new Set<net.Socket>()
    const run = await start((call, res, calls) => {
      if (!isNext(call)) {
        accepted(res)
        // Kill the connection once it goes idle, as a freeze/thaw would.
        res.on("finish", () => setTimeout(() => res.socket?.destroy(), 50))
        return
      }
      sockets.add(res.socket!)
      const n = calls.filter(isNext).length
      if (n <= 3) nextAnswer(res, `s-${n}`, { op: "echo", value: n })
    })
    try {
      await run.waitFor((calls) => calls.filter((call) => !isNext(call)).length === 3)
      const urls = run.calls.filter((call) => !isNext(call)).map((call) => call.url)
      expect(urls).toEqual([1, 2, 3].map((n) => `/2018-06-01/runtime/invocation/s-${n}/response`))
    } finally {
      await stop(run)
    }
  })

  it("without AWS_LAMBDA_RUNTIME_API it says so in one line and exits 1", async () => {
    const child = cp.spawn(bootstrap, [], { env: { PATH: process.env.PATH! }, stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk) => stderr += chunk)
    const code = await new Promise((resolve) => child.on("exit", resolve))
    expect(code).toBe(1)
    expect(stderr.trim().split("\n")).toEqual([expect.stringContaining("AWS_LAMBDA_RUNTIME_API is not set")])
  })
})

// A strict Extensions API, as Lambda's: register with a name and an events list, during init;
// every later call with the identifier it handed out; `event/next` of an extension registered
// for no events stays pending.
const strictExtensionsApi = (): Script => (call, res) => {
  if (call.method === "POST" && call.url === "/2020-01-01/extension/register") {
    const events = JSON.parse(call.body).events
    if (
      typeof call.headers["lambda-extension-name"] !== "string" || !Array.isArray(events) || events.includes("SHUTDOWN")
    ) {
      // Internal extensions cannot subscribe to SHUTDOWN.
      return accepted(res, 400, { errorType: "Extension.InvalidRequest", errorMessage: call.body })
    }
    res.writeHead(200, { "content-type": "application/json", "lambda-extension-identifier": "internal-1" })
    return res.end(
      JSON.stringify({ functionName: "test_function", functionVersion: "$LATEST", handler: "index.handler" })
    )
  }
  if (call.headers["lambda-extension-identifier"] !== "internal-1") {
    return accepted(res, 403, { errorType: "Extension.UnknownExtensionIdentifier" })
  }
  if (call.method === "GET" && call.url === "/2020-01-01/extension/event/next") return // pending until shutdown
  accepted(res, 400, { errorType: "Extension.InvalidRequest" })
}

describe("graceful shutdown on Lambda: the internal extension (built bootstrap, strict fake)", () => {
  it("registers before the first next, keeps event/next pending; SIGTERM then runs the finalizers and exits 0 in time", async () => {
    const file = tempFile()
    const run = await start(
      (call, res, calls) => {
        if (isNext(call) && calls.filter(isNext).length === 1) return nextAnswer(res, "one", { op: "echo", value: 1 })
        if (!isNext(call)) accepted(res)
      },
      { CONFORMANCE_FINALIZER_FILE: file },
      strictExtensionsApi()
    )
    try {
      await run.waitFor((calls) => calls.filter(isNext).length === 2)
      const register = run.order.indexOf("POST /2020-01-01/extension/register")
      const firstNext = run.order.indexOf("GET /2018-06-01/runtime/invocation/next")
      expect(register).toBeGreaterThanOrEqual(0)
      expect(register).toBeLessThan(firstNext)
      expect(JSON.parse(run.extensionCalls[0]!.body)).toEqual({ events: [] })
      expect(run.extensionCalls.map((c) => `${c.method} ${c.url}`)).toEqual([
        "POST /2020-01-01/extension/register",
        "GET /2020-01-01/extension/event/next"
      ])
      expect(run.calls.map((c) => c.url)).toContain("/2018-06-01/runtime/invocation/one/response")
      run.child.kill("SIGTERM")
      // Lambda's budget for the runtime is 500 ms (then 1,500 ms for extensions, then SIGKILL).
      // "In time" is checked by mechanism, not wall time (a loaded CI box can take longer to
      // schedule the process than the whole budget): it exits by itself with the extension's
      // event/next still pending (a hang fails here), and not through the budget's timeout path,
      // which would log that the finalizers did not finish in time.
      const { code } = await exitWithin(run, 20_000)
      expect(code).toBe(0)
      expect(run.output()).not.toContain("did not finish in time")
      expect(run.extensionCalls.map((c) => `${c.method} ${c.url}`)).toEqual([
        "POST /2020-01-01/extension/register",
        "GET /2020-01-01/extension/event/next"
      ])
      expect(fs.readFileSync(file, "utf8")).toBe("released\n")
      expect(run.output()).not.toContain("could not register")
    } finally {
      await stop(run)
    }
  })

  it("a 404 Extensions API gives one warning and nothing else changes", async () => {
    const run = await start((call, res, calls) => {
      if (isNext(call) && calls.filter(isNext).length === 1) return nextAnswer(res, "one", { op: "echo", value: 1 })
      if (!isNext(call)) accepted(res)
    })
    try {
      await run.waitFor((calls) => calls.filter(isNext).length === 2)
      expect(run.output().match(/could not register the internal extension/g)).toHaveLength(1)
      expect(run.extensionCalls.map((c) => c.url)).toEqual(["/2020-01-01/extension/register"])
      expect(run.calls.map((c) => c.url)).toEqual([
        "/2018-06-01/runtime/invocation/next",
        "/2018-06-01/runtime/invocation/one/response",
        "/2018-06-01/runtime/invocation/next"
      ])
    } finally {
      await stop(run)
    }
  })
})

describe("console.* in Lambda's formats, crashes, source maps (built bootstrap)", () => {
  const once = (event: unknown, id = "c-1"): Script => (call, res, calls) => {
    if (isNext(call) && calls.filter(isNext).length === 1) return nextAnswer(res, id, event)
    if (!isNext(call)) accepted(res)
  }

  it("Text: timestamp, request id, level, util.format'd message; DEBUG under INFO dropped; new lines as \\r; timers keep the id", async () => {
    const run = await start(once({ op: "console" }))
    try {
      await run.waitFor((calls) => calls.filter(isNext).length === 2)
      const lines = run.output().split("\n").filter((line) => line.includes("\tc-1\t"))
      expect(lines).toEqual([
        expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z\tc-1\tINFO\tfrom the handler \{ a: 1 \}$/),
        expect.stringMatching(/\tc-1\tERROR\ttwo\rlines$/),
        expect.stringMatching(/\tc-1\tWARN\tfrom a timer$/)
      ])
    } finally {
      await stop(run)
    }
  })

  it("JSON: one record per call with timestamp, level, requestId, message; levels filtered by AWS_LAMBDA_LOG_LEVEL", async () => {
    const run = await start(once({ op: "console" }), { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" })
    try {
      await run.waitFor((calls) => calls.filter(isNext).length === 2)
      const records = run.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
        .filter((record) => record.requestId === "c-1")
      expect(records.map((r) => [r.level, r.message])).toEqual([["ERROR", "two\nlines"], ["WARN", "from a timer"]])
      expect(Object.keys(records[0])).toEqual(["timestamp", "level", "requestId", "message"])
    } finally {
      await stop(run)
    }
  })

  for (
    const [kind, errorType, exitCode] of [
      ["timer", "RangeError", 129],
      ["rejection", "Runtime.UnhandledPromiseRejection", 128]
    ] as const
  ) {
    it(`a crash during an invocation (${kind}) is that invocation's one error report (${errorType}), then exit ${exitCode}`, async () => {
      const run = await start(once({ op: "crash", kind }))
      try {
        const { code } = await exitWithin(run, 20_000)
        expect(code).toBe(exitCode)
        const reports = run.calls.filter((call) => !isNext(call))
        expect(reports.map((call) => call.url)).toEqual(["/2018-06-01/runtime/invocation/c-1/error"])
        expect(JSON.parse(reports[0]!.body).errorType).toBe(errorType)
        expect(run.calls.filter(isNext)).toHaveLength(1)
      } finally {
        await stop(run)
      }
    })
  }

  it("AWS_LAMBDA_MAX_CONCURRENCY=2: a timer's crash is reported for the invocation that set the timer, not the other in flight", async () => {
    // The crashing timer is set in the handler's first synchronous stretch, where only the invoke
    // store's context (not a resumed fiber) tells which of the two invocations it belongs to.
    const run = await start((call, res, calls) => {
      if (!isNext(call)) return accepted(res)
      const n = calls.filter(isNext).length
      if (n === 1) return nextAnswer(res, "slow-1", { op: "sleep", ms: 60_000, value: 1 })
      if (n === 2) return nextAnswer(res, "crash-2", { op: "crash", kind: "timer" })
    }, { AWS_LAMBDA_MAX_CONCURRENCY: "2" })
    try {
      const { code } = await exitWithin(run, 20_000)
      expect(code).toBe(129)
      const reports = run.calls.filter((call) => !isNext(call))
      expect(reports.map((call) => call.url)).toContain("/2018-06-01/runtime/invocation/crash-2/error")
      expect(reports.map((call) => call.url)).not.toContain("/2018-06-01/runtime/invocation/slow-1/error")
      const crash = reports.find((call) => call.url.includes("crash-2"))!
      expect(JSON.parse(crash.body).errorType).toBe("RangeError")
    } finally {
      await stop(run)
    }
  })

  it("a crash during init goes to /init/error and the process exits non-zero without polling next", async () => {
    const run = await start((_call, res) => accepted(res), { CONFORMANCE_INIT: "crash" })
    try {
      const { code } = await exitWithin(run, 20_000)
      expect(code).toBe(129)
      expect(run.calls.map((call) => call.url)).toEqual(["/2018-06-01/runtime/init/error"])
      expect(JSON.parse(run.calls[0]!.body)).toMatchObject({
        errorType: "SyntaxError",
        errorMessage: "crashed during init"
      })
    } finally {
      await stop(run)
    }
  })

  it("error reports' stack traces name the TypeScript source (src/handler.ts), not the minified bundle", async () => {
    const run = await start(once({ op: "throw", message: "mapped?" }))
    try {
      await run.waitFor((calls) => calls.filter(isNext).length === 2)
      const report = JSON.parse(run.calls.find((call) => call.url.endsWith("/error"))!.body)
      expect(report.stackTrace.join("\n")).toMatch(/examples\/conformance\/src\/handler\.ts:\d+:\d+/)
      expect(report.stackTrace[1]).not.toMatch(/main\.mjs/)
    } finally {
      await stop(run)
    }
  })
})
