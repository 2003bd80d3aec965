// The built extension as a real process (its executable in extensions/, as Lambda starts it from
// /opt/extensions) against a strict fake Extensions + Telemetry API on 127.0.0.1 and a fake sink.
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as cp from "node:child_process"
import * as http from "node:http"
import type * as net from "node:net"
import * as path from "node:path"

const executable = path.resolve(__dirname, "../extensions/telemetry-buffer")

interface Call {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

const servers: Array<http.Server> = []
const children: Array<cp.ChildProcess> = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL")
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

// Its own fake Lambda on node:http rather than the runtime package's test utility: an example
// stays self-contained, as it is meant to be copied out of this repository.
const serve = async (handler: (call: Call, res: http.ServerResponse) => void) => {
  const calls: Array<Call> = []
  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (chunk) => body += chunk)
    req.on("end", () => {
      const call = { method: req.method!, url: req.url!, headers: req.headers, body }
      calls.push(call)
      handler(call, res)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { calls, port: (server.address() as net.AddressInfo).port }
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const post = (url: string, body: unknown) =>
  new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.on("error", reject)
    req.end(JSON.stringify(body))
  })

const records = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => ({ time: new Date().toISOString(), type: "function", record: `line ${from + i}` })
  )

/**
 * A strict Extensions API: `register` only first and only with a name; every other call needs
 * the identifier; the telemetry subscription must name an HTTP destination; `event/next` hands
 * out the scripted events, and the test decides when each one is released.
 */
const fakeLambda = async () => {
  const pendingNext: Array<http.ServerResponse> = []
  const errors: Array<string> = []
  let destination: string | undefined
  const api = await serve((call, res) => {
    if (call.url === "/2020-01-01/extension/register") {
      if (call.method !== "POST" || call.headers["lambda-extension-name"] !== "telemetry-buffer") {
        errors.push(`bad register ${JSON.stringify(call.headers)}`)
        return json(res, 400, { errorType: "InvalidRequest" })
      }
      return json(res, 200, { functionName: "f", functionVersion: "$LATEST", handler: "index.handler" }, {
        "lambda-extension-identifier": "ext-id"
      })
    }
    if (call.headers["lambda-extension-identifier"] !== "ext-id") {
      errors.push(`no identifier on ${call.method} ${call.url}`)
      return json(res, 403, { errorType: "Extension.UnknownExtensionIdentifier" })
    }
    if (call.method === "PUT" && call.url === "/2022-07-01/telemetry") {
      const subscription = JSON.parse(call.body)
      if (subscription.destination?.protocol !== "HTTP" || subscription.schemaVersion !== "2022-12-13") {
        errors.push(`bad subscription ${call.body}`)
        return json(res, 400, { errorType: "ValidationError" })
      }
      destination = subscription.destination.URI
      return json(res, 200, "OK")
    }
    if (call.method === "GET" && call.url === "/2020-01-01/extension/event/next") return void pendingNext.push(res)
    if (call.method === "POST" && /^\/2020-01-01\/extension\/(init|exit)\/error$/.test(call.url)) {
      return json(res, 202, { status: "OK" })
    }
    errors.push(`unexpected ${call.method} ${call.url}`)
    json(res, 202, { status: "OK" })
  })
  const waitNext = async () => {
    for (let i = 0; i < 500 && pendingNext.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    const res = pendingNext.shift()
    if (res === undefined) throw new Error("the extension did not ask for the next event")
    return res
  }
  return {
    api,
    errors,
    destination: () => destination,
    invoke: async (requestId: string) =>
      json(await waitNext(), 200, {
        eventType: "INVOKE",
        deadlineMs: Date.now() + 3000,
        requestId,
        invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f"
      }),
    shutdown: async (budgetMs: number) =>
      json(await waitNext(), 200, {
        eventType: "SHUTDOWN",
        shutdownReason: "spindown",
        deadlineMs: Date.now() + budgetMs
      }),
    waitNext: async () => {
      const res = await waitNext()
      pendingNext.unshift(res)
    }
  }
}

const start = (apiPort: number, env: Record<string, string>) => {
  const child = cp.spawn(executable, [], {
    env: {
      PATH: process.env.PATH!,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${apiPort}`,
      TELEMETRY_RECEIVER_HOST: "127.0.0.1",
      TELEMETRY_RECEIVER_PORT: "0",
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let output = ""
  child.stdout!.on("data", (chunk) => output += chunk)
  child.stderr!.on("data", (chunk) => output += chunk)
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { output: () => output, exited }
}

describe("telemetry-buffer extension (built, as a process)", () => {
  it("subscribes, buffers what the Telemetry API posts, flushes it all at SHUTDOWN, exits 0 before the deadline", async () => {
    const lambda = await fakeLambda()
    const sink = await serve((_call, res) => json(res, 200, {}))
    const run = start(lambda.api.port, { TELEMETRY_SINK_URL: `http://127.0.0.1:${sink.port}/batches` })
    // Init is over when the extension asks for its first event: it has subscribed by then.
    await lambda.waitNext()
    expect(lambda.destination()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await post(lambda.destination()!, records(3))).toBe(200)
    await lambda.invoke("r-1")
    expect(await post(lambda.destination()!, records(2, 3))).toBe(200)
    expect(sink.calls).toHaveLength(0)
    // A budget far above what a loaded CI box needs, so the checks below say whether the
    // extension waited for the deadline, not how fast the box is: it exits 0 (onShutdown, cut at
    // the deadline, would be reported and exit 1), nothing was reported to exit/error, no
    // finalizer ran into the deadline, and it was done long before the deadline came.
    const started = Date.now()
    await lambda.shutdown(30_000)
    expect(await run.exited, run.output()).toBe(0)
    expect(Date.now() - started, run.output()).toBeLessThan(15_000)
    expect(lambda.api.calls.map((c) => c.url)).not.toContain("/2020-01-01/extension/exit/error")
    expect(run.output()).not.toMatch(/did not finish before the SHUTDOWN deadline/)
    expect(sink.calls).toHaveLength(1)
    expect(JSON.parse(sink.calls[0]!.body).map((r: { record: string }) => r.record)).toEqual(
      ["line 0", "line 1", "line 2", "line 3", "line 4"]
    )
    expect(run.output()).toMatch(/flushed 5 records at SHUTDOWN \(spindown\)/)
    expect(lambda.errors).toEqual([])
  })

  it("flushes on an invocation once the buffer is full, so memory stays bounded", async () => {
    const lambda = await fakeLambda()
    const sink = await serve((_call, res) => json(res, 200, {}))
    const run = start(lambda.api.port, {
      TELEMETRY_SINK_URL: `http://127.0.0.1:${sink.port}/`,
      TELEMETRY_MAX_BUFFERED: "4"
    })
    await lambda.waitNext()
    await post(lambda.destination()!, records(5))
    await lambda.invoke("r-1")
    await lambda.waitNext()
    expect(sink.calls).toHaveLength(1)
    expect(JSON.parse(sink.calls[0]!.body)).toHaveLength(5)
    await lambda.shutdown(2000)
    expect(await run.exited).toBe(0)
    expect(sink.calls).toHaveLength(1) // nothing left to flush
  })

  it("a sink that refuses the batch at SHUTDOWN is reported to /extension/exit/error and the exit code is 1", async () => {
    const lambda = await fakeLambda()
    const sink = await serve((_call, res) => json(res, 503, {}))
    const run = start(lambda.api.port, { TELEMETRY_SINK_URL: `http://127.0.0.1:${sink.port}/` })
    await lambda.waitNext()
    await post(lambda.destination()!, records(1))
    await lambda.shutdown(2000)
    expect(await run.exited).toBe(1)
    const reported = lambda.api.calls.find((c) => c.url === "/2020-01-01/extension/exit/error")
    expect(reported?.headers["lambda-extension-function-error-type"]).toBe("Extension.SinkError")
    expect(JSON.parse(reported!.body).errorMessage).toMatch(/could not send 1 records/)
  })
})
