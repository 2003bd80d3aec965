import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { version } from "../src/internal/version.js"
import { bin, busyPort, echoFixture, oneErrorLine, packageDir, runCli, tempDir } from "./helpers.js"

// These tests run the built binary: `pnpm build` (or `pnpm --filter @effect-lambda/cli build`) first.
if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the cli package's build first`)

describe("effect-lambda: help and version", () => {
  it.live("--help lists the commands", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["--help"])
      expect(r.code).toBe(0)
      for (const name of ["start", "invoke", "watch"]) expect(r.stdout).toContain(name)
      // not a terminal: no ANSI styles
      expect(r.stdout).not.toContain("\u001b[")
    }))

  it.live("every command has --help with its flags", () =>
    Effect.gen(function*() {
      for (const name of ["start", "invoke", "watch"]) {
        const r = yield* runCli([name, "--help"])
        expect(r.code).toBe(0)
        for (const flag of ["--port", "--timeout", "--memory", "--env", "--log-format", "<function-dir>"]) {
          expect(r.stdout).toContain(flag)
        }
        if (name === "invoke") {
          expect(r.stdout).toContain("--event")
          expect(r.stdout).toContain("--event-file")
        }
      }
    }))

  it.live("--version prints the package version", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["--version"])
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(version)
      const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }
      expect(version).toBe(manifest.version)
    }))

  it("the bundle is an executable node script", () => {
    expect(fs.readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
    expect(fs.statSync(bin).mode & 0o111).not.toBe(0)
  })
})

describe("effect-lambda: errors are one line and a non-zero exit", () => {
  const expectError = (args: ReadonlyArray<string>, pattern: RegExp, input?: string) =>
    Effect.gen(function*() {
      const r = yield* runCli(args, input === undefined ? {} : { input })
      expect(r.code, r.stderr).not.toBe(0)
      expect(r.code, r.stderr).not.toBeNull()
      const line = oneErrorLine(r.stderr)
      expect(line, r.stderr).toBeDefined()
      expect(line).toMatch(pattern)
      expect(r.stdout).toBe("")
    })

  it.live("missing function directory", () =>
    expectError(
      ["invoke", "examples/nope", "--event", "{}"],
      /^effect-lambda: no executable bootstrap in examples\/nope/
    ))

  it.live("directory without bootstrap", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* expectError(["start", dir], /no executable bootstrap in /)
    }).pipe(Effect.scoped))

  it.live("bootstrap that is not executable", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.writeFileSync(path.join(dir, "bootstrap"), "#!/bin/sh\n", { mode: 0o644 })
      yield* expectError(["invoke", dir, "--event", "{}"], /not executable/)
    }).pipe(Effect.scoped))

  it.live("bad JSON in --event", () =>
    expectError(["invoke", echoFixture, "--event", "{name:"], /^effect-lambda: event from --event is not valid JSON/))

  it.live("bad JSON on stdin", () =>
    expectError(["invoke", echoFixture], /^effect-lambda: event from stdin is not valid JSON/, "not json"))

  it.live("unreadable --event-file", () =>
    expectError(
      ["invoke", echoFixture, "--event-file", "no/such/event.json"],
      /cannot read event from no\/such\/event.json/
    ))

  it.live("bad JSON in --event-file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "event.json")
      fs.writeFileSync(file, "{,}")
      yield* expectError(["invoke", echoFixture, "--event-file", file], /is not valid JSON/)
    }).pipe(Effect.scoped))

  it.live("--event and --event-file together", () =>
    expectError(["invoke", echoFixture, "--event", "{}", "--event-file", "x.json"], /either --event or --event-file/))

  it.live("--env without =", () =>
    expectError(["invoke", echoFixture, "--event", "{}", "--env", "NOPE"], /--env expects KEY=VALUE/))

  it.live("usage errors from the parser are one line too", () =>
    Effect.gen(function*() {
      yield* expectError(["invoke"], /function-dir/)
      yield* expectError(["invoke", echoFixture, "--port", "70000"], /--port/)
      yield* expectError(["invoke", echoFixture, "--log-format", "XML"], /Text, JSON/)
      yield* expectError(["frobnicate"], /start/)
    }))

  it.live("failing build script", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.mkdirSync(path.join(dir, "src"))
      fs.writeFileSync(path.join(dir, "src", "main.mjs"), "")
      fs.writeFileSync(path.join(dir, "bootstrap"), "#!/bin/sh\n", { mode: 0o755 })
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: "broken", private: true, scripts: { build: "node -e \"process.exit(3)\"" } })
      )
      const r = yield* runCli(["invoke", dir, "--event", "{}"])
      expect(r.code).not.toBe(0)
      expect(r.stdout).toBe("")
      // The build's own output is shown (on stderr); the CLI's verdict is the last line.
      const last = r.stderr.trim().split("\n").at(-1)
      expect(last).toMatch(/^effect-lambda: build failed in .*: `(pnpm|npm) run build` exited with code 3$/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }).pipe(Effect.scoped))

  it.live("event over the 6 MB Invoke API limit", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "big.json")
      fs.writeFileSync(file, JSON.stringify({ big: "x".repeat(6_400_000) }))
      yield* expectError(
        ["invoke", echoFixture, "--event-file", file],
        /refused the invocation \(HTTP 413\): Request must be smaller/
      )
    }).pipe(Effect.scoped))

  it.live("port in use", () =>
    Effect.gen(function*() {
      const port = yield* busyPort
      yield* expectError(
        ["start", echoFixture, "--port", String(port)],
        new RegExp(`port ${port} on 127.0.0.1 is already in use`)
      )
    }).pipe(Effect.scoped))
})
