import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { echoFixture, freePort, invokeUrlIn, spawnCli, tempDir, waitFor } from "./helpers.js"

const post = (url: string, body: string) =>
  Effect.promise(() =>
    fetch(url, { method: "POST", body }).then(async (r) => ({ status: r.status, body: await r.text() }))
  )

describe("effect-lambda start", () => {
  it.live("serves the Invoke API on --port until SIGTERM, then exits 0", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const server = yield* spawnCli(["start", echoFixture, "--port", String(port), "--env", "ECHO_ENV=started"])
      const url = yield* waitFor(() => invokeUrlIn(server.stdout()), "the invoke URL")
      expect(url).toBe(`http://127.0.0.1:${port}/2015-03-31/functions/function/invocations`)
      const first = yield* post(url, "{\"k\":1}")
      expect(first.status).toBe(200)
      expect(JSON.parse(first.body)).toEqual({ echo: { k: 1 }, env: "started" })
      const second = yield* post(url, "{\"k\":2}")
      expect(JSON.parse(second.body)).toEqual({ echo: { k: 2 }, env: "started" })
      server.child.kill("SIGTERM")
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit, server.stderr()).toEqual({ code: 0, signal: null })
      // The function's child process went down with it: the port is free again.
      const again = yield* Effect.promise(() =>
        fetch(url, { method: "POST", body: "{}" }).then(() => "open", () => "closed")
      )
      expect(again).toBe("closed")
    }).pipe(Effect.scoped))

  it.live("SIGINT (Ctrl-C) also stops cleanly", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const server = yield* spawnCli(["start", echoFixture, "--port", String(port)])
      yield* waitFor(() => invokeUrlIn(server.stdout()), "the invoke URL")
      server.child.kill("SIGINT")
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit, server.stderr()).toEqual({ code: 0, signal: null })
    }).pipe(Effect.scoped))
})

describe("effect-lambda start during a build", () => {
  it.live("SIGTERM stops the build's whole process tree", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.mkdirSync(path.join(dir, "src"))
      fs.writeFileSync(path.join(dir, "src", "main.mjs"), "")
      fs.writeFileSync(path.join(dir, "bootstrap"), "#!/bin/sh\n", { mode: 0o755 })
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({
          name: "slow-build",
          private: true,
          scripts: {
            build:
              "node -e \"require('fs').writeFileSync('build.pid', String(process.pid)); setTimeout(() => {}, 60000)\""
          }
        })
      )
      const server = yield* spawnCli(["start", dir, "--port", "0"])
      const pidFile = path.join(dir, "build.pid")
      const pid = Number(
        yield* waitFor(() => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8") : undefined), "the build")
      )
      server.child.kill("SIGTERM")
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit, server.stderr()).toEqual({ code: 0, signal: null })
      const alive = () => {
        try {
          process.kill(pid, 0)
          return true
        } catch {
          return false
        }
      }
      yield* waitFor(() => (alive() ? undefined : true), "the build process to stop", 5_000)
    }).pipe(Effect.scoped))
})

describe("effect-lambda watch", () => {
  it.live("rebuilds and restarts the function when src/ changes, on the same URL", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const source = (answer: string) =>
        fs.readFileSync(path.join(echoFixture, "bootstrap"), "utf8").replace(
          "{ echo: event, env: process.env.ECHO_ENV ?? null }",
          JSON.stringify({ answer })
        )
      const write = (answer: string) => fs.writeFileSync(path.join(dir, "src", "main.mjs"), source(answer))
      // How editors and `sed -i` save: write a temp file, rename it over the original.
      const replace = (answer: string) => {
        const tmp = path.join(dir, "src", ".main.mjs.tmp")
        fs.writeFileSync(tmp, source(answer))
        fs.renameSync(tmp, path.join(dir, "src", "main.mjs"))
      }
      fs.mkdirSync(path.join(dir, "src"))
      write("v1")
      fs.writeFileSync(path.join(dir, "bootstrap"), "#!/bin/sh\nexec node \"$(dirname \"$0\")/dist/main.mjs\"\n", {
        mode: 0o755
      })
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({
          name: "watched",
          private: true,
          type: "module",
          scripts: { build: "node build.mjs" }
        })
      )
      // A build that fails on sources containing BROKEN, as a compiler would on a syntax error.
      fs.writeFileSync(
        path.join(dir, "build.mjs"),
        "import * as fs from 'node:fs'\n" +
          "if (fs.readFileSync('src/main.mjs', 'utf8').includes('BROKEN')) { console.error('syntax error'); process.exit(2) }\n" +
          "fs.cpSync('src', 'dist', { recursive: true })\n"
      )
      const port = yield* freePort
      const server = yield* spawnCli(["watch", dir, "--port", String(port)])
      const url = yield* waitFor(() => invokeUrlIn(server.stdout()), "the invoke URL")
      expect(JSON.parse((yield* post(url, "{}")).body)).toEqual({ answer: "v1" })

      replace("v2")
      yield* waitFor(() => (server.stderr().includes("restarted") ? true : undefined), "a restart")
      expect(JSON.parse((yield* post(url, "{}")).body)).toEqual({ answer: "v2" })

      write("v3")
      yield* waitFor(() => (server.stderr().split("restarted").length > 2 ? true : undefined), "a second restart")
      expect(JSON.parse((yield* post(url, "{}")).body)).toEqual({ answer: "v3" })

      // Editor scratch files are not changes.
      const restarts = server.stderr().split("restarted").length
      fs.writeFileSync(path.join(dir, "src", ".main.mjs.swp"), "swap")
      fs.writeFileSync(path.join(dir, "src", "main.mjs~"), "backup")
      yield* Effect.sleep("800 millis")
      expect(server.stderr().split("restarted").length).toBe(restarts)
      expect(server.stderr().split("building").length).toBe(restarts + 1)

      // A failed rebuild keeps the last good build serving.
      fs.appendFileSync(path.join(dir, "src", "main.mjs"), "\n// BROKEN\n")
      yield* waitFor(
        () => (server.stderr().includes("still serving the previous build") ? true : undefined),
        "a failed build"
      )
      expect(server.stderr()).toMatch(/effect-lambda: build failed in .*: `(pnpm|npm) run build` exited with code 2/)
      expect(JSON.parse((yield* post(url, "{}")).body)).toEqual({ answer: "v3" })

      server.child.kill("SIGTERM")
      const exit = yield* Effect.promise(() => server.exited)
      expect(exit, server.stderr()).toEqual({ code: 0, signal: null })
    }).pipe(Effect.scoped))
})
