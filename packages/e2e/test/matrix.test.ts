// The fault matrix of issue 5: the conformance bootstrap (built by `pnpm build`) as a real process
// under the emulator, one fault per test, and the exact outcome for the invoker, for what the
// runtime sent (the emulator's record of Runtime API calls) and for the process.
//
// Not repeated here (proven elsewhere): 500 on next/response with exit code and finalizers, and
// SIGTERM idle/busy (examples/conformance/test/process.test.ts); the typed error of every status
// and transport failure, the stale-socket retry in the client (packages/runtime/test/RuntimeApi.test.ts);
// the error-type table and interruption on the in-memory API (packages/runtime/test/LambdaRuntime.test.ts).
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Harness } from "../src/index.js"

const finalizerFile = () => Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "e2e-")), "released")

/** Lambda's limit for a buffered response is 6 MiB + 100 bytes; `big` answers a JSON string (two quotes). */
const overLimit = 6 * 1024 * 1024 + 100 - 2 + 1

const echo = (value: unknown) => ({ op: "echo", value })

/**
 * Bounds an effect that must not hang: generous, since a restarted runtime is a node process
 * starting on a loaded 2-core CI box (vitest's 30 s test timeout is the outer bound).
 */
const noHang = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.timeout(self, "15 seconds")

const readFile = (path: string) => Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : ""

describe("500 container error (next and response: see examples/conformance/test/process.test.ts)", () => {
  it.scopedLive("500 on error: the runtime exits non-zero after its finalizers; the invoker gets Runtime.ExitError", () =>
    Effect.gen(function*() {
      const file = finalizerFile()
      const h = yield* Harness.make({
        faults: [{ endpoint: "error", call: 1, fault: { _tag: "Status", status: 500 } }],
        env: { CONFORMANCE_FINALIZER_FILE: file }
      })
      const failed = yield* noHang(h.invoke({ op: "fail", tag: "Nope", message: "m" }))
      expect(failed.errorType).toBe("Runtime.ExitError")
      expect((failed.body as { errorMessage: string }).errorMessage).toContain("exit status 1")
      expect(readFile(file)).toBe("released\n")
      expect(h.logs.some((l) => l.includes("runtime stopped: ContainerError"))).toBe(true)
      // a new runtime serves the next invocation
      expect((yield* h.invoke(echo("after"))).body).toBe("after")
    }))

  it.scopedLive("500 on init/error: the runtime exits non-zero; the invoker gets Runtime.ExitError", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({
        faults: [{ endpoint: "init-error", fault: { _tag: "Status", status: 500 } }],
        env: { CONFORMANCE_INIT: "fail" }
      })
      const failed = yield* noHang(h.invoke(echo(1)))
      expect(failed.errorType).toBe("Runtime.ExitError")
      expect((failed.body as { errorMessage: string }).errorMessage).toContain("exit status 1")
      expect(h.calls.map((c) => [c.endpoint, c.status])).toEqual([["init-error", 500]])
    }))
})

describe("400 / 403 on a report: logged, the loop goes on in the same process", () => {
  for (const endpoint of ["response", "error"] as const) {
    for (const status of [400, 403]) {
      it.scopedLive(`${status} on ${endpoint}`, () =>
        Effect.gen(function*() {
          const h = yield* Harness.make({ faults: [{ endpoint, call: 1, fault: { _tag: "Status", status } }] })
          const event = endpoint === "response" ? echo("first") : { op: "fail", tag: "Nope", message: "m" }
          const refused = yield* noHang(h.invoke(event))
          // the emulator's refusal ended that invocation
          expect(refused.errorType).toBe("Runtime.InjectedFault")
          const pid = yield* h.runtimePid
          expect(pid).toBeDefined()
          const next = yield* noHang(h.invoke(echo("second")))
          expect(next.body).toBe("second")
          expect(yield* h.runtimePid).toBe(pid)
          expect(h.reportsFor(refused.requestId).map((c) => c.status)).toEqual([status])
          const tag = status === 400 ? "BadRequest" : "Forbidden"
          expect(h.logs.some((l) => l.includes(`refused the report for ${refused.requestId}: ${tag}`))).toBe(true)
        }))
    }
  }
})

describe("413 on a response: one Function.ResponseSizeTooLarge error report, the loop goes on", () => {
  it.scopedLive("a result of 6 MB + 1 byte over the limit (the emulator's own 413)", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make()
      const big = yield* noHang(h.invoke({ op: "big", bytes: overLimit }))
      expect(big.errorType).toBe("Function.ResponseSizeTooLarge")
      const pid = yield* h.runtimePid
      // the invoker is answered at the 413; the runtime's error report follows before its next `next`
      expect((yield* h.invoke(echo("after"))).body).toBe("after")
      expect(yield* h.runtimePid).toBe(pid)
      const reports = h.reportsFor(big.requestId)
      expect(reports.map((c) => [c.endpoint, c.status])).toEqual([["response", 413], ["error", 403]])
      expect(reports[1]!.errorType).toBe("Function.ResponseSizeTooLarge")
    }))

  it.scopedLive("an injected 413 on a small response", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({
        faults: [{ endpoint: "response", call: 1, fault: { _tag: "Status", status: 413 } }]
      })
      const refused = yield* noHang(h.invoke(echo("small")))
      expect(refused.errorType).toBe("Function.ResponseSizeTooLarge")
      expect((yield* h.invoke(echo("after"))).body).toBe("after")
      const reports = h.reportsFor(refused.requestId)
      expect(reports.map((c) => [c.endpoint, c.errorType])).toEqual([
        ["response", undefined],
        ["error", "Function.ResponseSizeTooLarge"]
      ])
    }))
})

describe("connection closed before answering next (stale keep-alive after a freeze)", () => {
  it.scopedLive("once: retried on a fresh socket, nothing lost, same process", () =>
    Effect.gen(function*() {
      // call 1 is on a fresh socket; call 2 is the first on the reused one
      const h = yield* Harness.make({ faults: [{ endpoint: "next", call: 2, fault: { _tag: "Close" } }] })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const pid = yield* h.runtimePid
      const second = yield* noHang(h.invoke(echo(2)))
      expect(second.body).toBe(2)
      expect(yield* h.runtimePid).toBe(pid)
      const nexts = h.calls.filter((c) => c.endpoint === "next")
      expect(nexts.slice(0, 3).map((c) => [c.call, c.status, c.fault])).toEqual([
        [1, 200, undefined],
        [2, undefined, "Close"],
        [3, 200, undefined]
      ])
      expect(nexts[2]!.requestId).toBe(second.requestId)
    }))

  it.scopedLive("twice in a row: the runtime stops (no spinning), finalizers run; a new runtime serves the invocation", () =>
    Effect.gen(function*() {
      const file = finalizerFile()
      const h = yield* Harness.make({
        faults: [
          { endpoint: "next", call: 2, fault: { _tag: "Close" } },
          { endpoint: "next", call: 3, fault: { _tag: "Close" } }
        ],
        env: { CONFORMANCE_FINALIZER_FILE: file }
      })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const pid = (yield* h.runtimePid)!
      // its log line travels through a pipe, so it may arrive after the finalizer wrote the file
      yield* Harness.waitUntil(
        () => readFile(file) === "released\n" && h.logs.some((l) => l.includes("runtime stopped: TransportError")),
        "the first runtime's finalizers and its stop line"
      )
      // exactly the two failed attempts after the first invocation: it did not spin
      expect(h.calls.map((c) => [c.endpoint, c.call, c.fault])).toEqual([
        ["next", 1, undefined],
        ["response", 1, undefined],
        ["next", 2, "Close"],
        ["next", 3, "Close"]
      ])
      expect((yield* noHang(h.invoke(echo(2)))).body).toBe(2)
      expect(yield* h.runtimePid).not.toBe(pid)
    }))
})

describe("connection closed before a report is read", () => {
  it.scopedLive("the report is not sent again; the runtime's next is refused (403) and it exits; the invoker gets Runtime.ExitError", () =>
    Effect.gen(function*() {
      const file = finalizerFile()
      const h = yield* Harness.make({
        faults: [{ endpoint: "response", call: 2, fault: { _tag: "Close" } }],
        env: { CONFORMANCE_FINALIZER_FILE: file }
      })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const closed = yield* noHang(h.invoke(echo(2)))
      expect(closed.errorType).toBe("Runtime.ExitError")
      expect(h.reportsFor(closed.requestId).map((c) => [c.endpoint, c.status, c.fault])).toEqual([[
        "response",
        undefined,
        "Close"
      ]])
      expect(h.calls.filter((c) => c.endpoint === "next").map((c) => c.status)).toEqual([200, 200, 403])
      expect(readFile(file)).toBe("released\n")
      expect((yield* h.invoke(echo(3))).body).toBe(3)
    }))
})

describe("reset in the middle of a body", () => {
  // A report cut mid-body is never sent again (the transports retry only `next`): this test
  // found the runtime re-sending it.
  it.scopedLive("mid-response POST: no second response for that id; the loop goes on", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({ faults: [{ endpoint: "response", call: 2, fault: { _tag: "Reset" } }] })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const cut = yield* noHang(h.invoke({ op: "big", bytes: 1_000_000 }))
      expect(cut.errorType).toBe("Runtime.TruncatedResponse")
      expect((yield* h.invoke(echo(3))).body).toBe(3)
      expect(h.reportsFor(cut.requestId).map((c) => [c.endpoint, c.fault])).toEqual([["response", "Reset"]])
    }))

  it.scopedLive("mid-response POST: the invoker gets one outcome and the same process serves on", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({ faults: [{ endpoint: "response", call: 2, fault: { _tag: "Reset" } }] })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const pid = yield* h.runtimePid
      const cut = yield* noHang(h.invoke({ op: "big", bytes: 1_000_000 }))
      expect(cut.errorType).toBe("Runtime.TruncatedResponse")
      expect((yield* h.invoke(echo(3))).body).toBe(3)
      expect(yield* h.runtimePid).toBe(pid)
      // whatever the runtime sent after the reset, the emulator accepted nothing more for that id
      expect(h.reportsFor(cut.requestId).filter((c) => c.status === 202)).toEqual([])
    }))

  it.scopedLive("mid-next answer: the runtime stops (the invocation was handed out), the invoker gets Runtime.ExitError", () =>
    Effect.gen(function*() {
      const file = finalizerFile()
      const h = yield* Harness.make({
        faults: [{ endpoint: "next", call: 2, fault: { _tag: "Reset" } }],
        env: { CONFORMANCE_FINALIZER_FILE: file }
      })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const cut = yield* noHang(h.invoke(echo({ padding: "x".repeat(10_000) })))
      expect(cut.errorType).toBe("Runtime.ExitError")
      expect(readFile(file)).toBe("released\n")
      expect(h.reportsFor(cut.requestId)).toEqual([])
      expect((yield* h.invoke(echo(3))).body).toBe(3)
    }))
})

describe("malformed next answers: logged, no handler runs, the loop goes on", () => {
  it.scopedLive("no request id: nothing to report, the next invocation is served by the same process", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({
        faults: [{ endpoint: "next", call: 2, fault: { _tag: "Malformed", malformation: "NoRequestId" } }]
      })
      expect((yield* h.invoke(echo(1))).body).toBe(1)
      const pid = yield* h.runtimePid
      expect((yield* noHang(h.invoke(echo(2)))).body).toBe(2)
      expect(yield* h.runtimePid).toBe(pid)
      expect(h.logs.some((l) => l.includes("Invalid invocation from the Runtime API") && l.includes("Request-Id")))
        .toBe(true)
      expect(h.calls.filter((c) => c.endpoint !== "next").every((c) => c.requestId !== undefined)).toBe(true)
    }))

  it.scopedLive("a deadline that is not a number: one error report for that id, no handler run", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({
        faults: [{ endpoint: "next", call: 1, fault: { _tag: "Malformed", malformation: "BadDeadline" } }]
      })
      // `sleep` would answer after 1 ms if it ran: the only report is the error
      const bad = yield* noHang(h.invoke({ op: "sleep", ms: 1, value: "ran" }))
      expect(bad.errorType).toBe("InvalidInvocation")
      expect((yield* h.invoke(echo(2))).body).toBe(2)
      expect(h.reportsFor(bad.requestId).map((c) => [c.endpoint, c.errorType])).toEqual([[
        "error",
        "Runtime.UnknownReason"
      ]])
    }))

  it.scopedLive("an event that is not JSON: Runtime.InvalidEvent for that id", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({
        faults: [{ endpoint: "next", call: 1, fault: { _tag: "Malformed", malformation: "InvalidJson" } }]
      })
      const bad = yield* noHang(h.invoke(echo("lost")))
      expect(bad.functionError).toBe("Unhandled")
      expect((yield* h.invoke(echo(2))).body).toBe(2)
      expect(h.reportsFor(bad.requestId).map((c) => [c.endpoint, c.errorType])).toEqual([[
        "error",
        "Runtime.InvalidEvent"
      ]])
    }))
})

describe("handler outcomes over the wire: exactly one report per id (the mapping itself: LambdaRuntime.test.ts)", () => {
  it.scopedLive("typed failure, defect, deadline, non-serialisable result, 6 MB + 1", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make({ timeoutSeconds: 2 })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ op: "fail", tag: "my-error", message: "m" }, "Function.MyError"],
        [{ op: "throw", message: "boom" }, "Runtime.Defect"],
        [{ op: "sleep", ms: 60_000, value: 1 }, "Runtime.Timeout"],
        [{ op: "bigint" }, "Runtime.InvalidResponse"],
        [{ op: "nope" }, "Runtime.InvalidEvent"],
        [{ op: "big", bytes: overLimit }, "Function.ResponseSizeTooLarge"]
      ]
      const pid = yield* Effect.flatMap(h.invoke(echo(0)), () => h.runtimePid)
      const outcomes = yield* Effect.forEach(cases, ([event]) => h.invoke(event))
      // a report may follow its invoker's answer (after a 413): one more invocation flushes it
      expect((yield* h.invoke(echo("last"))).body).toBe("last")
      cases.forEach(([event, errorType], i) => {
        expect(outcomes[i]!.functionError, JSON.stringify(event)).toBe("Unhandled")
        const errors = h.reportsFor(outcomes[i]!.requestId).filter((c) => c.endpoint === "error")
        expect(errors.map((c) => c.errorType), JSON.stringify(event)).toEqual([errorType])
      })
      expect(yield* h.runtimePid).toBe(pid)
    }))
})
