/**
 * `Event` invocations as Lambda runs them: a failed one is tried again (same request id) after
 * the retry delays, and once given up its on-failure record goes to the destination.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, request } from "./utils.js"

const fakeRuntime = fixture("fake-runtime")

const start = (asyncInvocation: Emulator.AsyncInvocationOptions) => {
  const logs = collectLogs()
  return Emulator.make({ functionDir: fakeRuntime, onLog: logs.onLog, asyncInvocation }).pipe(
    Effect.map((emulator) => ({ emulator, logs }))
  )
}

const failing = {
  op: "error",
  type: "Function.Bad",
  body: JSON.stringify({ errorType: "Bad", errorMessage: "no" })
}

const tempDir = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "async-test-"))

describe("Event invocations", () => {
  it.scopedLive("a failing one is tried three times with one request id, then its RetriesExhausted record", () =>
    Effect.gen(function*() {
      const recorded = yield* Deferred.make<Emulator.FailureRecord>()
      const { emulator, logs } = yield* start({
        retryDelays: ["20 millis", "20 millis"],
        onFailure: (record) => Deferred.unsafeDone(recorded, Effect.succeed(record))
      })
      const accepted = yield* emulator.invoke(JSON.stringify(failing), { invocationType: "Event" })
      expect(accepted.statusCode).toBe(202)
      const record = yield* Deferred.await(recorded)
      const id = accepted.requestId
      expect(logs.lines.filter((l) => l === `START RequestId: ${id} Version: $LATEST`)).toHaveLength(3)
      expect(record).toEqual({
        version: "1.0",
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        requestContext: {
          requestId: id,
          functionArn: "arn:aws:lambda:us-east-1:012345678912:function:function:$LATEST",
          condition: "RetriesExhausted",
          approximateInvokeCount: 3
        },
        requestPayload: failing,
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        responsePayload: { errorType: "Bad", errorMessage: "no" }
      })
    }))

  it.scopedLive("a retry that succeeds ends it: two attempts, no record", () =>
    Effect.gen(function*() {
      const records: Array<Emulator.FailureRecord> = []
      const { emulator, logs } = yield* start({
        retryDelays: ["20 millis", "20 millis"],
        onFailure: (record) => void records.push(record)
      })
      const marker = Path.join(tempDir(), "failed-once")
      const accepted = yield* emulator.invoke(JSON.stringify({ op: "failOnce", marker }), { invocationType: "Event" })
      const id = accepted.requestId
      const reports = (n: number) => (line: string) =>
        line.startsWith(`REPORT RequestId: ${id}`) &&
        logs.lines.filter((l) => l.startsWith(`REPORT RequestId: ${id}`)).length === n
      yield* logs.line(reports(2))
      // served after the Event invocation's last attempt is done, whatever it decided
      yield* emulator.invoke("{}", { awaitEnd: true })
      expect(logs.lines.filter((l) => l === `START RequestId: ${id} Version: $LATEST`)).toHaveLength(2)
      expect(records).toEqual([])
    }))

  it.live("maxRetryAttempts 0: one attempt, the record appended to the destination file as a JSON line", () =>
    Effect.gen(function*() {
      const file = Path.join(tempDir(), "failures.jsonl")
      const id = yield* Effect.scoped(Effect.gen(function*() {
        const { emulator, logs } = yield* start({ maxRetryAttempts: 0, onFailure: file })
        const accepted = yield* emulator.invoke(JSON.stringify(failing), { invocationType: "Event" })
        yield* logs.line((l) => l.startsWith(`effect-lambda: Event ${accepted.requestId} given up`))
        return accepted.requestId
      }))
      // the emulator writes what it gave up before it stops
      const lines = Fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "")
      expect(lines).toHaveLength(1)
      const record = JSON.parse(lines[0]!)
      expect(record.requestContext).toMatchObject({
        requestId: id,
        condition: "RetriesExhausted",
        approximateInvokeCount: 1
      })
    }))

  it.scopedLive("an event that would be older than maxEventAge at its retry is given up: EventAgeExceeded", () =>
    Effect.gen(function*() {
      const recorded = yield* Deferred.make<Emulator.FailureRecord>()
      const { emulator } = yield* start({
        maxEventAge: "1 seconds",
        retryDelays: ["1 minutes", "2 minutes"],
        onFailure: (record) => Deferred.unsafeDone(recorded, Effect.succeed(record))
      })
      yield* emulator.invoke(JSON.stringify(failing), { invocationType: "Event" })
      const record = yield* Deferred.await(recorded)
      expect(record.requestContext.condition).toBe("EventAgeExceeded")
      expect(record.requestContext.approximateInvokeCount).toBe(1)
    }))

  it.scopedLive("reserved concurrency 0: each one goes to the on-failure destination at once, never run", () =>
    Effect.gen(function*() {
      const records: Array<Emulator.FailureRecord> = []
      const both = yield* Deferred.make<void>()
      const logs = collectLogs()
      const emulator = yield* Emulator.make({
        functionDir: fakeRuntime,
        onLog: logs.onLog,
        reservedConcurrency: 0,
        asyncInvocation: {
          onFailure: (record) => {
            records.push(record)
            if (records.length === 2) Deferred.unsafeDone(both, Effect.void)
          }
        }
      })
      // the second is not stuck behind the first (before: both waited forever for a permit)
      const first = yield* emulator.invoke(JSON.stringify({ op: "echo", value: 1 }), { invocationType: "Event" })
      const second = yield* emulator.invoke(JSON.stringify({ op: "echo", value: 2 }), { invocationType: "Event" })
      expect([first.statusCode, second.statusCode]).toEqual([202, 202])
      yield* Deferred.await(both)
      expect(records.map((r) => r.requestContext)).toEqual([first, second].map((accepted) => ({
        requestId: accepted.requestId,
        functionArn: "arn:aws:lambda:us-east-1:012345678912:function:function:$LATEST",
        condition: "EventAgeExceeded",
        approximateInvokeCount: 0
      })))
      expect(records[0]!.requestPayload).toEqual({ op: "echo", value: 1 })
      expect(records[0]!.responseContext.statusCode).toBe(429)
      expect(records[0]!.responsePayload).toMatchObject({ errorType: "TooManyRequestsException" })
      expect(logs.lines.filter((l) => l.startsWith("START"))).toEqual([])
      expect(logs.lines).toContain(
        `effect-lambda: Event ${first.requestId} given up after 0 attempt(s) (EventAgeExceeded): throttled, the reserved concurrency is 0`
      )
    }))

  it.scopedLive("one that waited for the reserved concurrency past maxEventAge is given up unrun: EventAgeExceeded", () =>
    Effect.gen(function*() {
      const recorded = yield* Deferred.make<Emulator.FailureRecord>()
      const logs = collectLogs()
      const emulator = yield* Emulator.make({
        functionDir: fakeRuntime,
        onLog: logs.onLog,
        reservedConcurrency: 1,
        asyncInvocation: {
          maxEventAge: "300 millis",
          onFailure: (record) => Deferred.unsafeDone(recorded, Effect.succeed(record))
        }
      })
      // A synchronous invocation holds the one slot (its age is never checked) well past the
      // event's maximum age; the Event invocation is accepted once it is running.
      const holder = yield* Effect.fork(emulator.invoke(JSON.stringify({ op: "sleep", ms: 1500 })))
      yield* logs.line((l) => l.startsWith("START RequestId:"))
      const queued = yield* emulator.invoke(JSON.stringify({ op: "echo", value: 1 }), { invocationType: "Event" })
      const record = yield* Deferred.await(recorded)
      expect(record.requestContext).toMatchObject({
        requestId: queued.requestId,
        condition: "EventAgeExceeded",
        approximateInvokeCount: 0
      })
      expect((yield* Fiber.join(holder)).statusCode).toBe(200)
      expect(logs.lines.filter((l) => l.startsWith(`START RequestId: ${queued.requestId}`))).toEqual([])
    }))

  it.scopedLive("a payload over 1 MiB is refused with Lambda's message (413), synchronous ones may be 6 MiB", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({})
      const body = JSON.stringify({ pad: "x".repeat(1024 * 1024) })
      const refused = yield* request(emulator.url, "/2015-03-31/functions/function/invocations", {
        method: "POST",
        body,
        headers: { "X-Amz-Invocation-Type": "Event" }
      })
      expect(refused.status).toBe(413)
      expect(refused.headers["x-amzn-errortype"]).toBe("RequestEntityTooLargeException")
      expect(refused.json().message).toBe(
        `${Buffer.byteLength(body)} byte payload is too large for the Event invocation type (limit 1048576 bytes)`
      )
      const accepted = yield* request(emulator.url, "/2015-03-31/functions/function/invocations", {
        method: "POST",
        body: JSON.stringify({ pad: "x".repeat(1024 * 1024 - 20) }),
        headers: { "X-Amz-Invocation-Type": "Event" }
      })
      expect(accepted.status).toBe(202)
    }))
})
