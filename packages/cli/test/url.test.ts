import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { echoFixture, spawnCli, waitFor } from "./helpers.js"

describe("effect-lambda start --url", () => {
  it.live("prints the Function URL; an HTTP request there reaches the function as a Function URL event", () =>
    Effect.gen(function*() {
      const server = yield* spawnCli(["start", echoFixture, "--port", "0", "--url"])
      const url = yield* waitFor(
        () => /Function URL: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.stdout())?.[1],
        "the Function URL"
      )
      const answer = yield* Effect.promise(() =>
        fetch(`${url}items?q=1`, { method: "POST", body: "hi", headers: { "content-type": "text/plain" } })
          .then(async (r) => ({
            status: r.status,
            type: r.headers.get("content-type"),
            body: (await r.json()) as { echo: unknown }
          }))
      )
      // The echo fixture answers JSON without a statusCode: Lambda sends it as a 200 JSON body.
      expect(answer.status).toBe(200)
      expect(answer.type).toBe("application/json")
      expect(answer.body.echo).toMatchObject({ version: "2.0", rawPath: "/items", rawQueryString: "q=1", body: "hi" })
      server.child.kill("SIGTERM")
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit, server.stderr()).toEqual({ code: 0, signal: null })
    }).pipe(Effect.scoped))
})
