import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { freePort, invokeUrlIn, runCli, spawnCli, tempDir, waitFor } from "./helpers.js"

// The README's main job: examples/hello through the real runtime and the emulator.
describe("effect-lambda with examples/hello", () => {
  const hello = "{\"message\":\"hello world\"}"

  it.live("invoke --event prints {\"message\":\"hello world\"} and nothing else on stdout", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", "examples/hello", "--event", "{\"name\":\"world\"}"])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(`${hello}\n`)
      expect(r.stderr).toMatch(/REPORT RequestId: /)
    }))

  it.live("invoke --event-file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "event.json")
      fs.writeFileSync(file, "{\"name\":\"world\"}")
      const r = yield* runCli(["invoke", "examples/hello", "--event-file", file])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(`${hello}\n`)
    }).pipe(Effect.scoped))

  it.live("invoke with the event on stdin", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", "examples/hello"], { input: "{\"name\":\"world\"}" })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(`${hello}\n`)
    }))

  it.live("start, invoke over HTTP, SIGTERM", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const server = yield* spawnCli(["start", "examples/hello", "--port", String(port)])
      const url = yield* waitFor(() => invokeUrlIn(server.stdout()), "the invoke URL")
      const response = yield* Effect.promise(() =>
        fetch(url, { method: "POST", body: "{\"name\":\"http\"}" }).then(async (r) => ({
          status: r.status,
          body: await r.text()
        }))
      )
      expect(response).toEqual({ status: 200, body: "{\"message\":\"hello http\"}" })
      server.child.kill("SIGTERM")
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit, server.stderr()).toEqual({ code: 0, signal: null })
    }).pipe(Effect.scoped))
})
