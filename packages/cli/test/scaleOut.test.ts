import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { echoFixture, invokeUrlIn, spawnCli, tempDir, waitFor } from "./helpers.js"

describe("effect-lambda start: --host, --concurrency, --reserved-concurrency", () => {
  it.live("listens on the named host; beyond the reserved concurrency an invoke is throttled (429)", () =>
    Effect.gen(function*() {
      const server = yield* spawnCli([
        "start",
        echoFixture,
        "--port",
        "0",
        "--host",
        "localhost",
        "--concurrency",
        "2",
        "--reserved-concurrency",
        "0"
      ])
      const url = yield* waitFor(
        () => /http:\/\/localhost:\d+\/2015-03-31\/functions\/function\/invocations/.exec(server.stdout())?.[0],
        "the invoke URL"
      )
      const answer = yield* Effect.promise(() =>
        fetch(url, { method: "POST", body: "{}" }).then(async (r) => ({
          status: r.status,
          errorType: r.headers.get("x-amzn-errortype"),
          body: await r.json()
        }))
      )
      expect(answer).toEqual({
        status: 429,
        errorType: "TooManyRequestsException",
        body: { Reason: "ReservedFunctionConcurrentInvocationLimitExceeded", Type: "User", message: "Rate Exceeded." }
      })
      // a loopback host: nothing said about other machines
      expect(server.stderr()).not.toContain("reachable from other machines")
    }).pipe(Effect.scoped))

  it.live("bad values are one error line", () =>
    Effect.gen(function*() {
      const server = yield* spawnCli(["start", echoFixture, "--port", "0", "--concurrency", "0"])
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit.code).not.toBe(0)
      expect(server.stderr()).toContain("--concurrency must be 1..64")
    }).pipe(Effect.scoped))
})

describe("effect-lambda start: --max-retry-attempts, --on-failure", () => {
  it.live("a failed Event invocation given up is appended to the --on-failure file in Lambda's record format", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "failures.jsonl")
      const server = yield* spawnCli([
        "start",
        echoFixture,
        "--port",
        "0",
        "--max-retry-attempts",
        "0",
        "--max-event-age",
        "60",
        "--on-failure",
        file
      ])
      const url = yield* waitFor(() => invokeUrlIn(server.stdout()), "the invoke URL")
      const accepted = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          body: JSON.stringify({ fail: "boom" }),
          headers: { "X-Amz-Invocation-Type": "Event" }
        })
          .then((r) => ({ status: r.status, requestId: r.headers.get("x-amzn-requestid") }))
      )
      expect(accepted.status).toBe(202)
      // a whole line: the emulator appends each record with its newline
      const content = () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "")
      const line = yield* waitFor(() => content().includes("\n") ? content().split("\n")[0] : undefined, "the record")
      expect(JSON.parse(line)).toMatchObject({
        version: "1.0",
        requestContext: { requestId: accepted.requestId, condition: "RetriesExhausted", approximateInvokeCount: 1 },
        requestPayload: { fail: "boom" },
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        responsePayload: { errorType: "EchoFailure", errorMessage: "boom" }
      })
    }).pipe(Effect.scoped))
})
