import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, isAlive, json, makeTempDir, text } from "./utils.js"

const fakeRuntime = fixture("fake-runtime")

const start = (options: Partial<Emulator.Options> = {}) => {
  const logs = collectLogs()
  return Emulator.make({ functionDir: fakeRuntime, onLog: logs.onLog, ...options }).pipe(
    Effect.map((emulator) => ({ emulator, logs }))
  )
}

/** Returns once END and REPORT are out (the fake runtime asked for its next event). */
const invokeJson = (emulator: Emulator.Emulator, event: unknown) =>
  emulator.invoke(JSON.stringify(event), { awaitEnd: true })

const tempDir = () => makeTempDir("emulator-test-")

describe("supervisor", () => {
  it.scopedLive("starts bootstrap on the first invoke, forwards its logs, prints START/END/REPORT", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      expect(logs.lines).toEqual([])
      const result = yield* invokeJson(emulator, { op: "log", lines: ["first line", "second\rsame record"] })
      expect(result.statusCode).toBe(200)
      expect(json(result.payload)).toBe("logged")
      const id = result.requestId
      expect(logs.lines).toContain("first line")
      expect(logs.lines).toContain("second\rsame record")
      expect(logs.lines.some((l) => l.startsWith("fake runtime up"))).toBe(true)
      expect(logs.lines).toContain(`START RequestId: ${id} Version: $LATEST`)
      expect(logs.lines).toContain(`END RequestId: ${id}`)
      const report = logs.lines.find((l) => l.startsWith("REPORT"))!
      expect(report).toMatch(
        new RegExp(
          `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d\\d ms$`
        )
      )
      const usedMb = Number(/Max Memory Used: (\d+) MB/.exec(report)![1])
      // a node process: real memory, not the configured size
      expect(usedMb).toBeGreaterThan(10)
      expect(usedMb).not.toBe(128)

      // warm: no Init Duration
      const second = yield* invokeJson(emulator, { op: "echo", n: 2 })
      expect(json(second.payload)).toEqual({ op: "echo", n: 2 })
      const report2 = logs.lines.filter((l) => l.startsWith("REPORT"))[1]!
      expect(report2).not.toContain("Init Duration")
    }))

  it.scopedLive("many concurrent invokers each get their own answer, with crashes in the mix", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const results = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => i),
        (i) => invokeJson(emulator, i % 15 === 7 ? { op: "crash" } : { op: "echo", i }),
        { concurrency: "unbounded" }
      )
      results.forEach((result, i) => {
        if (i % 15 === 7) {
          expect(result.statusCode).toBe(502)
        } else {
          expect(result.statusCode).toBe(200)
          expect(json(result.payload)).toEqual({ op: "echo", i })
        }
      })
      expect(new Set(results.map((r) => r.requestId)).size).toBe(60)
      expect(logs.lines.filter((l) => l.startsWith("REPORT"))).toHaveLength(60)
    }))

  it.scopedLive("gives the function Lambda's environment plus the user's", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({
        functionName: "my-fn",
        memorySizeMb: 256,
        timeout: "7 seconds",
        logFormat: "JSON",
        handler: "index.handler",
        env: { GREETING: "hi", AWS_LAMBDA_LOG_LEVEL: "DEBUG" }
      })
      const result = yield* invokeJson(emulator, { op: "env" })
      const { env, headers } = json(result.payload)
      expect(env).toMatchObject({
        AWS_LAMBDA_RUNTIME_API: emulator.runtimeApi,
        AWS_LAMBDA_FUNCTION_NAME: "my-fn",
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
        AWS_LAMBDA_FUNCTION_TIMEOUT: "7",
        AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/my-fn",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        AWS_LAMBDA_LOG_FORMAT: "JSON",
        AWS_LAMBDA_LOG_LEVEL: "DEBUG",
        AWS_REGION: "us-east-1",
        LAMBDA_TASK_ROOT: fakeRuntime,
        TZ: ":UTC",
        _HANDLER: "index.handler",
        GREETING: "hi"
      })
      expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/)
      expect(emulator.runtimeApi).toMatch(/^127\.0\.0\.1:\d+$/)
      expect(emulator.url).toBe(`http://${emulator.runtimeApi}`)
      expect(headers["lambda-runtime-invoked-function-arn"]).toBe(
        "arn:aws:lambda:us-east-1:012345678912:function:my-fn"
      )
    }))

  it.scopedLive("a crash mid-invocation is a 502 Runtime.ExitError; the next invoke runs on a new process", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const { pid } = json((yield* invokeJson(emulator, { op: "pid" })).payload)
      const crashed = yield* invokeJson(emulator, { op: "crash" })
      expect(crashed.statusCode).toBe(502)
      expect(crashed.functionError).toBe("Unhandled")
      expect(json(crashed.payload)).toEqual({
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 3`
      })
      expect(logs.lines).toContain("crashing")
      const after = yield* invokeJson(emulator, { op: "pid" })
      expect(after.statusCode).toBe(200)
      expect(json(after.payload).pid).not.toBe(pid)
      expect(logs.lines.filter((l) => l.startsWith("REPORT")).at(-1)).toContain("Init Duration")
    }))

  it.scopedLive("a timeout kills the runtime: Sandbox.Timedout, then a fresh process serves the next invoke", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ timeout: "2 seconds" })
      const { pid } = json((yield* invokeJson(emulator, { op: "pid" })).payload)
      const timedOut = yield* invokeJson(emulator, { op: "sleep", ms: 60_000 })
      expect(timedOut.statusCode).toBe(200)
      expect(timedOut.functionError).toBe("Unhandled")
      expect(json(timedOut.payload)).toEqual({
        errorType: "Sandbox.Timedout",
        errorMessage: `RequestId: ${timedOut.requestId} Error: Task timed out after 2.00 seconds`
      })
      expect(isAlive(pid)).toBe(false)
      expect(logs.lines.filter((l) => l.startsWith("REPORT")).at(-1)).toMatch(/\tStatus: timeout$/)
      const after = yield* invokeJson(emulator, { op: "pid" })
      expect(json(after.payload).pid).not.toBe(pid)
    }))

  it.scopedLive("an init error reaches the invoker with the posted body", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ env: { FAKE_INIT: "fail" } })
      for (let i = 0; i < 2; i++) {
        const result = yield* invokeJson(emulator, {})
        expect(result.statusCode).toBe(200)
        expect(result.functionError).toBe("Unhandled")
        expect(json(result.payload)).toEqual({ errorType: "ConfigError", errorMessage: "bad config" })
      }
    }))

  it.scopedLive("a process exiting before its first next is an init failure (Runtime.ExitError)", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ env: { FAKE_INIT: "exit" } })
      const result = yield* invokeJson(emulator, {})
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload)).toEqual({
        errorType: "Runtime.ExitError",
        errorMessage: `RequestId: ${result.requestId} Error: Runtime exited with error: exit status 2`
      })
      expect(logs.lines).toContain("exiting during init")
      expect(logs.lines.find((l) => l.startsWith("REPORT"))).toMatch(/\tStatus: error\tError Type: Runtime.ExitError$/)
    }))

  it.scopedLive("a runtime that never reaches next within the init timeout is killed; the invoker gets a timeout", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ env: { FAKE_INIT: "hang" }, initTimeout: "1 seconds" })
      const result = yield* invokeJson(emulator, {})
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload)).toEqual({
        errorType: "Sandbox.Timedout",
        errorMessage: `RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`
      })
      // on a very slow machine node may not even have printed its pid within the init timeout
      const up = logs.lines.find((l) => l.startsWith("fake runtime up"))
      if (up !== undefined) expect(isAlive(Number(/pid (\d+)/.exec(up)![1]))).toBe(false)
      expect(logs.lines.find((l) => l.startsWith("INIT_REPORT"))).toMatch(
        /^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout\tError Type: Sandbox.Timedout$/
      )
    }))

  it.scopedLive("Event invocations are served in the background, in order", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const a = yield* emulator.invoke(JSON.stringify({ op: "log", lines: ["event a"] }), { invocationType: "Event" })
      const b = yield* emulator.invoke(JSON.stringify({ op: "log", lines: ["event b"] }), { invocationType: "Event" })
      expect([a.statusCode, b.statusCode]).toEqual([202, 202])
      expect(a.payload.length).toBe(0)
      // a sync invoke queued behind them returns after both were served
      yield* invokeJson(emulator, { op: "echo" })
      const reports = logs.lines.filter((l) => l.startsWith("REPORT")).map((l) => l.split("\t")[0])
      expect(reports.slice(0, 2)).toEqual([`REPORT RequestId: ${a.requestId}`, `REPORT RequestId: ${b.requestId}`])
      expect(logs.lines.indexOf("event a")).toBeLessThan(logs.lines.indexOf("event b"))
    }))

  it.scopedLive("the 500 switch: the runtime exits and is restarted, the next invoke succeeds", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const { pid } = json((yield* invokeJson(emulator, { op: "pid" })).payload)
      // the runtime's next call is either its next `next` (it exits while idle and the invoke below
      // starts a new one) or, if it already waits there, its response (the invoke below gets a 502)
      yield* emulator.failNextRuntimeCall
      const first = yield* invokeJson(emulator, { op: "pid" })
      if (first.statusCode === 502) expect(json(first.payload).errorType).toBe("Runtime.ExitError")
      const after = yield* invokeJson(emulator, { op: "pid" })
      expect(after.statusCode).toBe(200)
      expect(json(after.payload).pid).not.toBe(pid)
    }))

  it.scopedLive("500 on the response: the runtime exits, the invoker gets a 502, the next invoke succeeds", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      expect((yield* invokeJson(emulator, { op: "echo" })).statusCode).toBe(200)
      yield* emulator.injectFault({ endpoint: "response", fault: { _tag: "Status", status: 500 } })
      const failed = yield* invokeJson(emulator, { op: "echo" })
      expect(failed.statusCode).toBe(502)
      expect(json(failed.payload).errorType).toBe("Runtime.ExitError")
      expect(logs.lines.some((l) => l.startsWith("container error on"))).toBe(true)
      const after = yield* invokeJson(emulator, { op: "echo", again: true })
      expect(after.statusCode).toBe(200)
      expect(json(after.payload)).toEqual({ op: "echo", again: true })
    }))

  it.scopedLive("a runtime that dies while idle is restarted for the next invoke", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      // second next (after the first answer) gets a 500 and the runtime exits while idle
      yield* emulator.injectFault({ endpoint: "next", call: 2, fault: { _tag: "Status", status: 500 } })
      const first = yield* invokeJson(emulator, { op: "pid" })
      const second = yield* invokeJson(emulator, { op: "pid" })
      expect(second.statusCode).toBe(200)
      expect(json(second.payload).pid).not.toBe(json(first.payload).pid)
    }))

  it.scopedLive("a response over 6 MB: the runtime gets 413, the invoker Function.ResponseSizeTooLarge", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const result = yield* invokeJson(emulator, { op: "big", size: 7 * 1024 * 1024 })
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload).errorType).toBe("Function.ResponseSizeTooLarge")
      // the runtime goes on
      expect(json((yield* invokeJson(emulator, { op: "echo" })).payload)).toEqual({ op: "echo" })
      expect(logs.lines).toContain("big response answered 413")
    }))

  it.live("closing the scope stops the runtime with SIGTERM (an extension registered)", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const marker = Path.join(dir, "sigterm")
      const scope = yield* Scope.make()
      // Lambda sends SIGTERM only when an extension registered (SIGKILL otherwise: ExtensionsApi.test.ts)
      const { emulator } = yield* start({ env: { FAKE_SIGTERM_FILE: marker, FAKE_EXTENSION: "graceful" } }).pipe(
        Scope.extend(scope)
      )
      const { pid } = json((yield* invokeJson(emulator, { op: "pid" })).payload)
      expect(isAlive(pid)).toBe(true)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(pid)).toBe(false)
      expect(Fs.readFileSync(marker, "utf8")).toBe("SIGTERM")
    }))

  it.live("a runtime ignoring SIGTERM is killed after the grace period", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { emulator } = yield* start({
        env: { FAKE_SIGTERM: "ignore", FAKE_EXTENSION: "graceful" },
        stopGrace: "200 millis"
      }).pipe(
        Scope.extend(scope)
      )
      const { pid } = json((yield* invokeJson(emulator, { op: "pid" })).payload)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(pid)).toBe(false)
    }))
})

describe("startup errors", () => {
  it.scopedLive("BootstrapNotFound: missing, or not executable", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const missing = yield* Effect.flip(Emulator.make({ functionDir: dir }))
      expect(missing._tag).toBe("BootstrapNotFound")
      expect(missing.message).toContain(Path.join(dir, "bootstrap"))
      Fs.writeFileSync(Path.join(dir, "bootstrap"), "#!/bin/sh\n", { mode: 0o644 })
      const notExecutable = yield* Effect.flip(Emulator.make({ functionDir: dir }))
      expect(notExecutable._tag).toBe("BootstrapNotFound")
      expect(notExecutable.message).toContain("not executable")
    }))

  it.scopedLive("PortInUse names the port", () =>
    Effect.gen(function*() {
      const blocker = Net.createServer()
      const port = yield* Effect.async<number>((resume) => {
        blocker.listen(0, "127.0.0.1", () => resume(Effect.succeed((blocker.address() as Net.AddressInfo).port)))
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => blocker.close()))
      const error = yield* Effect.flip(Emulator.make({ port }))
      expect(error._tag).toBe("PortInUse")
      expect(error.message).toContain(String(port))
    }))

  it.scopedLive("layer: provides the service", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const dry = yield* emulator.invoke("{}", { invocationType: "DryRun" })
      expect(dry.statusCode).toBe(204)
      expect(text(dry.payload)).toBe("")
    }).pipe(Effect.provide(Emulator.layer({}))))
})

describe("a bootstrap shell script without exec", () => {
  it.scopedLive("the node it started is stopped with it, and serves invocations", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      Fs.writeFileSync(
        Path.join(dir, "bootstrap"),
        `#!/bin/sh\nnode ${JSON.stringify(Path.join(fakeRuntime, "bootstrap"))}\n`,
        { mode: 0o755 }
      )
      const scope = yield* Scope.make()
      const logs = collectLogs()
      const emulator = yield* Emulator.make({ functionDir: dir, onLog: logs.onLog }).pipe(Scope.extend(scope))
      const { pid } = json((yield* invokeJson(emulator, { op: "pid" })).payload)
      expect(logs.lines.find((l) => l.startsWith("REPORT"))).toMatch(/Max Memory Used: \d+ MB/)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(pid)).toBe(false)
    }))
})
