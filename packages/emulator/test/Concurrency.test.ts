/**
 * Invocations in flight at once: Lambda Managed Instances mode (`AWS_LAMBDA_MAX_CONCURRENCY`,
 * several `next`s of one runtime served), and where an invocation ends (END when the runtime asks
 * for its next event).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, json } from "./utils.js"

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
