import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { echoFixture, runCli, tempDir } from "./helpers.js"

describe("effect-lambda invoke", () => {
  it.live("--event: payload alone on stdout, function logs on stderr", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture, "--event", "{\"n\":1}"])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: { n: 1 }, env: null })
      expect(r.stderr).toContain("echo fixture got {\"n\":1}")
    }))

  it.live("--event-file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "event.json")
      fs.writeFileSync(file, JSON.stringify({ from: "file" }))
      const r = yield* runCli(["invoke", echoFixture, "--event-file", file])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: { from: "file" }, env: null })
    }).pipe(Effect.scoped))

  it.live("stdin when no --event is given", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture], { input: "{\"from\":\"stdin\"}\n" })
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: { from: "stdin" }, env: null })
    }))

  it.live("--event-file - reads stdin", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture, "--event-file", "-"], { input: "[1,2]" })
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: [1, 2], env: null })
    }))

  it.live("empty stdin is the event {}", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: {}, env: null })
    }))

  it.live("--env reaches the function; values may contain =", () =>
    Effect.gen(function*() {
      const r = yield* runCli([
        "invoke",
        echoFixture,
        "--event",
        "{}",
        "--env",
        "ECHO_ENV=a=b",
        "--timeout",
        "5",
        "--memory",
        "256"
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: {}, env: "a=b" })
    }))

  it.live("--memory, --log-format and --timeout reach the function", () =>
    Effect.gen(function*() {
      const r = yield* runCli([
        "invoke",
        echoFixture,
        "--event",
        "{\"config\":true}",
        "--memory",
        "512",
        "--log-format",
        "JSON",
        "--timeout",
        "7"
      ])
      expect(r.code, r.stderr).toBe(0)
      const config = JSON.parse(r.stdout) as { memory: string; logFormat: string; deadlineIn: number }
      expect(config.memory).toBe("512")
      expect(config.logFormat).toBe("JSON")
      // Above the default 3 s whatever the machine's load (time passes between the deadline and the
      // function reading it); at most the 7 s asked for.
      expect(config.deadlineIn).toBeGreaterThan(3_000)
      expect(config.deadlineIn).toBeLessThanOrEqual(7_000)
    }))

  it.live("a function past its --timeout is an error (exit 1)", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture, "--event", "{\"sleep\":3000}", "--timeout", "1"])
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stdout)).toMatchObject({ errorType: "Sandbox.Timedout" })
      expect(r.stderr.trim().split("\n").at(-1)).toBe(
        "effect-lambda: the function returned an error (Sandbox.Timedout)"
      )
    }))

  it.live("a function error prints the error JSON on stdout and exits 1", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture, "--event", "{\"fail\":\"boom\"}"])
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stdout)).toMatchObject({ errorType: "EchoFailure", errorMessage: "boom" })
      expect(r.stderr.trim().split("\n").at(-1)).toBe("effect-lambda: the function returned an error (EchoFailure)")
    }))

  it.live("builds a function whose dist/ is missing or older than src/, and only then", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.mkdirSync(path.join(dir, "src"))
      fs.copyFileSync(path.join(echoFixture, "bootstrap"), path.join(dir, "src", "main.mjs"))
      fs.writeFileSync(path.join(dir, "bootstrap"), "#!/bin/sh\nexec node \"$(dirname \"$0\")/dist/main.mjs\"\n", {
        mode: 0o755
      })
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({
          name: "copy-build",
          private: true,
          type: "module",
          scripts: { build: "node -e \"require('fs').cpSync('src','dist',{recursive:true})\"" }
        })
      )
      const r = yield* runCli(["invoke", dir, "--event", "{\"built\":true}"])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ echo: { built: true }, env: null })
      expect(fs.existsSync(path.join(dir, "dist", "main.mjs"))).toBe(true)
      expect(r.stderr).toContain("effect-lambda: building")

      // Up to date: no build.
      const again = yield* runCli(["invoke", dir, "--event", "{}"])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).not.toContain("effect-lambda: building")

      // A source newer than dist/: built again.
      const later = new Date(Date.now() + 60_000)
      fs.utimesSync(path.join(dir, "src", "main.mjs"), later, later)
      const stale = yield* runCli(["invoke", dir, "--event", "{}"])
      expect(stale.code, stale.stderr).toBe(0)
      expect(stale.stderr).toContain("effect-lambda: building")
    }).pipe(Effect.scoped))
})
