import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { echoFixture, spawnCli, waitFor } from "./helpers.js"

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
