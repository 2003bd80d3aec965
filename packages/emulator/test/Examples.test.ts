/**
 * End to end: the real runtime (examples built by `pnpm build`) under the supervisor.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"
import { collectLogs, json } from "./utils.js"

const examples = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../examples")
const hello = Path.join(examples, "hello")
const conformance = Path.join(examples, "conformance")
const built = (dir: string) => Fs.existsSync(Path.join(dir, "dist", "main.mjs"))

describe.skipIf(!built(hello))("examples/hello under the emulator", () => {
  it.scopedLive("answers a greeting, and a bad event is a function error", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({ functionDir: hello, onLog: logs.onLog })
      // awaitEnd: REPORT is printed when the runtime asks for its next event
      const result = yield* emulator.invoke(JSON.stringify({ name: "world" }), { awaitEnd: true })
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBeUndefined()
      expect(json(result.payload)).toEqual({ message: "hello world" })
      expect(logs.lines.find((l) => l.startsWith("REPORT"))).toMatch(/Max Memory Used: \d+ MB\tInit Duration: /)
      // the runtime's graceful-shutdown extension registers with the emulator's Extensions API
      expect(logs.lines).toContain("EXTENSION\tName: effect-lambda-graceful-shutdown\tState: Ready\tEvents: []")
      expect(logs.lines.filter((l) => l.includes("could not register"))).toEqual([])

      const bad = yield* emulator.invoke(JSON.stringify({ nom: 1 }))
      expect(bad.statusCode).toBe(200)
      expect(bad.functionError).toBe("Unhandled")
      expect(typeof json(bad.payload).errorType).toBe("string")
      expect(typeof json(bad.payload).errorMessage).toBe("string")

      // still the same warm runtime
      const again = yield* emulator.invoke(JSON.stringify({ name: "again" }))
      expect(json(again.payload)).toEqual({ message: "hello again" })
      expect(logs.lines.filter((l) => l.includes("Init Duration"))).toHaveLength(1)
    }))
})

describe.skipIf(!built(conformance))("examples/conformance under the emulator", () => {
  const start = (env: Record<string, string> = {}, options: Partial<Emulator.Options> = {}) =>
    Emulator.make({ functionDir: conformance, onLog: collectLogs().onLog, env, ...options })
  const invoke = (emulator: Emulator.Emulator, event: unknown, options?: Emulator.InvokeOptions) =>
    emulator.invoke(JSON.stringify(event), options)

  it.scopedLive("echo, context, typed failure, thrown error, too large", () =>
    Effect.gen(function*() {
      const emulator = yield* start({}, { functionName: "conformance", memorySizeMb: 512 })
      const echo = yield* invoke(emulator, { op: "echo", value: { a: [1, 2] } })
      expect(json(echo.payload)).toEqual({ a: [1, 2] })

      const clientContext = { custom: { k: "v" } }
      const context = yield* invoke(emulator, { op: "context" }, {
        clientContext: Buffer.from(JSON.stringify(clientContext)).toString("base64"),
        tenantId: "tenant-1"
      })
      const ctx = json(context.payload)
      expect(ctx.requestId).toBe(context.requestId)
      expect(ctx.functionName).toBe("conformance")
      expect(ctx.memoryLimitInMB).toBe(512)
      expect(ctx.tenantId).toBe("tenant-1")
      expect(ctx.invokedFunctionArn).toBe("arn:aws:lambda:us-east-1:012345678912:function:conformance")
      expect(ctx.traceEnv).toBe(ctx.traceId)
      expect(ctx.logGroupName).toBe("/aws/lambda/conformance")

      const fail = yield* invoke(emulator, { op: "fail", tag: "NotFound", message: "gone" })
      expect(fail.functionError).toBe("Unhandled")
      expect(json(fail.payload)).toMatchObject({ errorType: "NotFound", errorMessage: "gone" })

      const thrown = yield* invoke(emulator, { op: "throw", message: "kaput" })
      expect(thrown.functionError).toBe("Unhandled")
      expect(json(thrown.payload).errorMessage).toContain("kaput")

      const big = yield* invoke(emulator, { op: "big", bytes: 7 * 1024 * 1024 })
      expect(big.functionError).toBe("Unhandled")
      expect(json(big.payload).errorType).toBe("Function.ResponseSizeTooLarge")

      expect(json((yield* invoke(emulator, { op: "echo", value: "after" })).payload)).toBe("after")
    }))

  it.scopedLive("a handler past the deadline is a timeout error, and the next invoke works", () =>
    Effect.gen(function*() {
      const emulator = yield* start({}, { timeout: "1 seconds" })
      const slow = yield* invoke(emulator, { op: "sleep", ms: 60_000, value: null })
      expect(slow.functionError).toBe("Unhandled")
      // the runtime's own deadline timer and the emulator's race: either answer is a timeout
      expect(["Sandbox.Timedout", "TimeoutError"]).toContain(json(slow.payload).errorType)
      expect(json((yield* invoke(emulator, { op: "echo", value: 1 })).payload)).toBe(1)
    }))

  it.scopedLive("CONFORMANCE_INIT=fail: the init error reaches the invoker", () =>
    Effect.gen(function*() {
      const emulator = yield* start({ CONFORMANCE_INIT: "fail" })
      const result = yield* invoke(emulator, { op: "echo", value: 1 })
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBe("Unhandled")
      expect(JSON.stringify(json(result.payload))).toContain("init failed on purpose")
    }))

  it.scopedLive("the 500 switch: the runtime exits, is restarted, the next invocation succeeds", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      expect(json((yield* invoke(emulator, { op: "echo", value: 1 })).payload)).toBe(1)
      yield* emulator.failNextRuntimeCall
      const hit = yield* invoke(emulator, { op: "echo", value: 2 })
      expect([200, 502]).toContain(hit.statusCode)
      const after = yield* invoke(emulator, { op: "echo", value: 3 })
      expect(after.statusCode).toBe(200)
      expect(json(after.payload)).toBe(3)
    }))

  it.live("closing the emulator runs the function's finalizers (SIGTERM)", () =>
    Effect.gen(function*() {
      const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-e2e-")), "finalizer")
      const scope = yield* Scope.make()
      const emulator = yield* start({ CONFORMANCE_FINALIZER_FILE: file }).pipe(Scope.extend(scope))
      expect(json((yield* invoke(emulator, { op: "echo", value: 1 })).payload)).toBe(1)
      yield* Scope.close(scope, Exit.void)
      expect(Fs.readFileSync(file, "utf8")).toBe("released\n")
    }))
})
