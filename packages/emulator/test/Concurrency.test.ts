/**
 * Invocations in flight at once: Lambda Managed Instances mode (`AWS_LAMBDA_MAX_CONCURRENCY`,
 * several `next`s of one runtime served), several sandboxes (`concurrency`), the reserved
 * concurrency's 429, and where an invocation ends (END when the runtime asks for its next event).
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, json, next, request, requestId, respond } from "./utils.js"

const fakeRuntime = fixture("fake-runtime")

const start = (options: Partial<Emulator.Options> = {}) => {
  const logs = collectLogs()
  return Emulator.make({ functionDir: fakeRuntime, onLog: logs.onLog, timeout: "20 seconds", ...options }).pipe(
    Effect.map((emulator) => ({ emulator, logs }))
  )
}

const invokeJson = (emulator: Emulator.Emulator, event: unknown, options: Emulator.InvokeOptions = {}) =>
  emulator.invoke(JSON.stringify(event), { awaitEnd: true, ...options })

describe("Managed Instances mode", () => {
  it.scopedLive("AWS_LAMBDA_MAX_CONCURRENCY=3: three invocations in flight in one runtime process", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ env: { AWS_LAMBDA_MAX_CONCURRENCY: "3" } })
      // Each answers only once all three reached the process: served one at a time, none would.
      const results = yield* Effect.forEach(
        [1, 2, 3],
        () => invokeJson(emulator, { op: "rendezvous", count: 3 }),
        { concurrency: "unbounded" }
      )
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200])
      expect(new Set(results.map((r) => json(r.payload).pid)).size).toBe(1)
      const reports = logs.lines.filter((l) => l.startsWith("REPORT"))
      expect(reports).toHaveLength(3)
      // one process, one cold start
      expect(reports.filter((l) => l.includes("Init Duration"))).toHaveLength(1)
      // and it serves on afterwards
      expect(json((yield* invokeJson(emulator, { op: "echo", n: 4 })).payload)).toEqual({ op: "echo", n: 4 })
    }))

  it.scopedLive("more invocations than the runtime's loops wait for a free one, each gets its own answer", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ env: { AWS_LAMBDA_MAX_CONCURRENCY: "2" } })
      const results = yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => i),
        (i) => invokeJson(emulator, { op: "echo", i }),
        { concurrency: "unbounded" }
      )
      results.forEach((result, i) => expect(json(result.payload)).toEqual({ op: "echo", i }))
      expect(logs.lines.filter((l) => l.startsWith("REPORT"))).toHaveLength(12)
    }))
})

describe("Managed Instances mode, a runtime with one loop", () => {
  it.scopedLive("invocations queued behind busy ones wait for it past the timeout, without it being killed", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({
        timeout: "2 seconds",
        env: { AWS_LAMBDA_MAX_CONCURRENCY: "3", FAKE_LOOPS: "1" }
      })
      yield* invokeJson(emulator, { op: "echo" }) // warm
      // one at a time through the single loop: the third waits about 2.2 s, past the timeout
      const results = yield* Effect.forEach(
        [1, 2, 3],
        () => invokeJson(emulator, { op: "sleep", ms: 1100 }),
        { concurrency: "unbounded" }
      )
      expect(results.map((r) => [r.statusCode, r.functionError, json(r.payload)])).toEqual(
        [1, 2, 3].map(() => [200, undefined, { slept: 1100 }])
      )
      expect(logs.lines.filter((l) => l.includes("Init Duration"))).toHaveLength(1)
    }))
})

describe("END at the runtime's next `next`", () => {
  it.scopedLive("what the function prints after its answer belongs to the invocation, in its log tail too", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const result = yield* invokeJson(emulator, { op: "logAfter", lines: ["flushed after the answer"] }, {
        logType: "Tail"
      })
      expect(json(result.payload)).toBe("answered")
      const id = result.requestId
      const after = logs.lines.indexOf("flushed after the answer")
      expect(after).toBeGreaterThan(logs.lines.indexOf(`START RequestId: ${id} Version: $LATEST`))
      expect(after).toBeLessThan(logs.lines.indexOf(`END RequestId: ${id}`))
      const tail = Buffer.from(result.logResult!, "base64").toString("utf8")
      expect(tail).toMatch(
        new RegExp(
          `START RequestId: ${id} Version: \\$LATEST\\nflushed after the answer\\nEND RequestId: ${id}\\nREPORT`
        )
      )
    }))

  it.scopedLive("without awaitEnd the invoker has its answer before the runtime asks for the next event", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const result = yield* emulator.invoke(JSON.stringify({ op: "logAfter", lines: ["later"] }))
      expect(json(result.payload)).toBe("answered")
      // the END comes with the runtime's next `next`, and the line printed meanwhile before it
      const end = yield* logs.line((l) => l === `END RequestId: ${result.requestId}`)
      expect(logs.lines.indexOf("later")).toBeLessThan(logs.lines.indexOf(end))
    }))
})

describe("sandboxes (concurrency)", () => {
  it.scopedLive("concurrency 2: two invocations in flight in two processes, each with its own cold start", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ concurrency: 2 })
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "barrier-"))
      // Each answers once both reached the barrier: a classic runtime holds one at a time, so
      // they can only both answer from two processes.
      const results = yield* Effect.forEach(
        [1, 2],
        () => invokeJson(emulator, { op: "barrier", dir, count: 2 }),
        { concurrency: "unbounded" }
      )
      expect(results.map((r) => r.statusCode)).toEqual([200, 200])
      expect(new Set(results.map((r) => json(r.payload).pid)).size).toBe(2)
      const reports = logs.lines.filter((l) => l.startsWith("REPORT"))
      expect(reports.filter((l) => l.includes("Init Duration"))).toHaveLength(2)
      // the next one goes to a warm sandbox
      yield* invokeJson(emulator, { op: "echo" })
      expect(logs.lines.filter((l) => l.startsWith("REPORT")).at(-1)).not.toContain("Init Duration")
    }))

  it.scopedLive("each log tail holds its own invocation's output, not the other sandbox's", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ concurrency: 2 })
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "barrier-"))
      const results = yield* Effect.forEach(
        ["said by one", "said by two"],
        (say) => invokeJson(emulator, { op: "barrier", dir, count: 2, say }, { logType: "Tail" }),
        { concurrency: "unbounded" }
      )
      const tails = results.map((r) => Buffer.from(r.logResult!, "base64").toString("utf8"))
      expect(tails[0]).toContain("said by one\n")
      expect(tails[0]).not.toContain("said by two")
      expect(tails[1]).toContain("said by two\n")
      expect(tails[1]).not.toContain("said by one")
      expect(tails[0]).not.toContain(results[1]!.requestId)
      expect(tails[1]).not.toContain(results[0]!.requestId)
    }))

  it.live("each sandbox's extensions get the platform events of its own invocations (Telemetry API)", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "barrier-"))
      const recordFile = Path.join(dir, "telemetry")
      Fs.mkdirSync(Path.join(dir, "barrier"))
      const ids = yield* Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make({
          functionDir: fixture("with-telemetry"),
          onLog: collectLogs().onLog,
          concurrency: 2,
          env: { EXT_RECORD_FILE: recordFile }
        })
        const results = yield* Effect.forEach(
          [1, 2],
          () => invokeJson(emulator, { op: "barrier", dir: Path.join(dir, "barrier"), count: 2 }),
          { concurrency: "unbounded" }
        )
        return results.map((r) => r.requestId)
      }))
      // the extensions flushed at SHUTDOWN, when the emulator closed
      const events = Fs.readFileSync(recordFile, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l))
        .filter((e) => e.type === "platform.start" || e.type === "platform.report")
      const byExtension = new Map<number, Array<string>>()
      for (const e of events) {
        byExtension.set(e.pid, [...(byExtension.get(e.pid) ?? []), `${e.type} ${e.record.requestId}`])
      }
      expect([...byExtension.values()].map((seen) => seen.sort()).sort()).toEqual(
        ids.map((id) => [`platform.report ${id}`, `platform.start ${id}`]).sort()
      )
    }))

  it.scopedLive("one invocation at a time stays on the first sandbox (warm), with no second process", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ concurrency: 3 })
      const pids = new Set<number>()
      for (let i = 0; i < 3; i++) pids.add(json((yield* invokeJson(emulator, { op: "pid" })).payload).pid)
      expect(pids.size).toBe(1)
    }))
})

describe("reserved concurrency", () => {
  it.scopedLive("a synchronous invoke beyond it is throttled: 429 TooManyRequestsException, as the AWS SDK reads it", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      // the test plays the runtime: an invocation is in flight while it holds it
      const emulator = yield* Emulator.make({ onLog: logs.onLog, reservedConcurrency: 1 })
      const first = yield* Effect.fork(emulator.invoke("{\"n\":1}"))
      const id = requestId(yield* next(emulator))

      const refused = yield* request(emulator.url, "/2015-03-31/functions/function/invocations", {
        method: "POST",
        body: "{}"
      })
      expect(refused.status).toBe(429)
      expect(refused.headers["x-amzn-errortype"]).toBe("TooManyRequestsException")
      expect(refused.json()).toEqual({
        Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        Type: "User",
        message: "Rate Exceeded."
      })
      const lambda = new LambdaClient({
        endpoint: emulator.url,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts: 1
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => lambda.destroy()))
      const error = yield* Effect.flip(
        Effect.tryPromise({
          try: () => lambda.send(new InvokeCommand({ FunctionName: "function", Payload: "{}" })),
          catch: (e) => e as Error & { Reason?: string; $metadata?: { httpStatusCode?: number } }
        })
      )
      expect(error.name).toBe("TooManyRequestsException")
      expect(error.Reason).toBe("ReservedFunctionConcurrentInvocationLimitExceeded")
      expect(error.$metadata?.httpStatusCode).toBe(429)
      // an Event invocation is not throttled: it waits its turn
      expect((yield* emulator.invoke("{\"n\":2}", { invocationType: "Event" })).statusCode).toBe(202)

      yield* respond(emulator, id, "1")
      expect((yield* Fiber.join(first)).statusCode).toBe(200)
      // the runtime's next `next` ends the first (END) and takes the queued Event invocation
      const queued = yield* next(emulator)
      expect(queued.json()).toEqual({ n: 2 })
      yield* respond(emulator, requestId(queued), "2")
      // in flight until the runtime asks for its next event: then there is room again
      const pending = yield* Effect.fork(next(emulator))
      yield* logs.line((l) => l === `END RequestId: ${requestId(queued)}`)
      const third = yield* Effect.fork(emulator.invoke("{\"n\":3}"))
      const again = yield* Fiber.join(pending)
      expect(again.json()).toEqual({ n: 3 })
      yield* respond(emulator, requestId(again), "3")
      expect((yield* Fiber.join(third)).statusCode).toBe(200)
    }))
})
