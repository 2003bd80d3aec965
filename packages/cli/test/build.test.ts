import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { hasZipinfo, hello, invokeHello, SLOW, unzip, zipEntries } from "./buildHelpers.js"
import { bin, oneErrorLine, runCli, tempDir } from "./helpers.js"

// --snapshot and --arch arm64 are in buildSnapshotArm64.test.ts, so that the builds with a Node
// binary run on both workers. These tests run the built binary: `pnpm build` (or `pnpm --filter @effect-lambda/cli build`) first.
if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the cli package's build first`)

describe.skipIf(!hasZipinfo)("effect-lambda build", () => {
  it.live(
    "provided.al2023: bootstrap and node are 0755 in the zip, and the unzipped artefact answers under the emulator",
    () =>
      Effect.gen(function*() {
        const out = yield* tempDir
        const r = yield* runCli(["build", hello, "--out", out, "--compile-cache"], { timeoutMs: SLOW })
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toMatch(/main\.mjs\s+[\d.]+ KB\s+bundle/)
        expect(r.stdout).toMatch(/function\.zip\s+[\d.]+ MB/)
        const entries = zipEntries(path.join(out, "function.zip"))
        const byName = Object.fromEntries(entries.map((e) => [e.name, e.mode]))
        expect(byName.bootstrap).toBe("-rwxr-xr-x")
        expect(byName.node).toBe("-rwxr-xr-x")
        expect(byName["main.mjs"]).toBe("-rw-r--r--")
        // The compile cache ships when this machine can run the x86_64 binary that makes it.
        if (process.arch === "x64") {
          expect(Object.keys(byName).sort()).toEqual([
            "bootstrap",
            "main.mjs",
            "main.mjs.ccache",
            "main.mjs.map",
            "node",
            "start.mjs"
          ])
        }
        const task = path.join(out, "task")
        unzip(path.join(out, "function.zip"), task)
        expect(execFileSync(path.join(task, "node"), ["--version"], { encoding: "utf8" }).trim()).toMatch(/^v22\./)
        if (process.arch === "x64") {
          // Node says whether it used the shipped code cache (the runtime then fails to connect: fine).
          const cacheDir = path.join(out, "ccache")
          const started = spawnSync(path.join(task, "node"), [path.join(task, "start.mjs")], {
            encoding: "utf8",
            env: {
              PATH: process.env.PATH,
              EFFECT_LAMBDA_COMPILE_CACHE_DIR: cacheDir,
              NODE_DEBUG_NATIVE: "COMPILE_CACHE",
              AWS_LAMBDA_RUNTIME_API: "127.0.0.1:1"
            }
          })
          expect(started.stderr).toMatch(/cache for file:\/\/.*\/main\.mjs was accepted/)
        }
        yield* invokeHello(task)
      }).pipe(Effect.scoped),
    SLOW
  )

  it.live("--node-layer --sourcemap: no node in the zip, a source map, and it runs on node from PATH (whatever its version)", () =>
    Effect.gen(function*() {
      const out = yield* tempDir
      const r = yield* runCli(["build", hello, "--out", out, "--node-layer", "--sourcemap"])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("no Node binary in the zip")
      const names = zipEntries(path.join(out, "function.zip")).map((e) => e.name).sort()
      expect(names.filter((n) => n !== "main.mjs.ccache" && n !== "start.mjs")).toEqual([
        "bootstrap",
        "main.mjs",
        "main.mjs.map"
      ])
      const task = path.join(out, "task")
      unzip(path.join(out, "function.zip"), task)
      expect(fs.readFileSync(path.join(task, "bootstrap"), "utf8")).toContain("--enable-source-maps")
      expect(fs.readFileSync(path.join(task, "main.mjs"), "utf8")).toContain("//# sourceMappingURL=main.mjs.map")
      yield* invokeHello(task)
    }).pipe(Effect.scoped))

  it.live("nodejs: Lambda's `$AWS_LAMBDA_EXEC_WRAPPER /var/runtime/bootstrap` start runs our loop", () =>
    Effect.gen(function*() {
      const out = yield* tempDir
      const r = yield* runCli(["build", hello, "--target", "nodejs", "--out", out])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("AWS_LAMBDA_EXEC_WRAPPER=/var/task/effect-lambda-wrapper")
      const entries = zipEntries(path.join(out, "function.zip"))
      expect(entries).toContainEqual({ mode: "-rwxr-xr-x", name: "effect-lambda-wrapper" })
      const task = path.join(out, "task")
      unzip(path.join(out, "function.zip"), task)
      // What the managed runtime does: its own bootstrap is the wrapper's first argument.
      // /var/runtime/bootstrap does not exist here, so an answer can only come from our loop.
      const runtime = path.join(out, "runtime")
      fs.mkdirSync(runtime)
      fs.writeFileSync(
        path.join(runtime, "bootstrap"),
        `#!/bin/sh\nexport LAMBDA_TASK_ROOT=${
          JSON.stringify(task)
        }\nexec "$AWS_LAMBDA_EXEC_WRAPPER" /var/runtime/bootstrap --enable-source-maps\n`,
        { mode: 0o755 }
      )
      yield* invokeHello(runtime, ["--env", `AWS_LAMBDA_EXEC_WRAPPER=${path.join(task, "effect-lambda-wrapper")}`])
    }).pipe(Effect.scoped))

  it.live("image: a Dockerfile whose ENTRYPOINT is our bootstrap, with every file it copies", () =>
    Effect.gen(function*() {
      const out = yield* tempDir
      const r = yield* runCli(["build", hello, "--target", "image", "--out", out])
      expect(r.code, r.stderr).toBe(0)
      const docker = fs.readFileSync(path.join(out, "Dockerfile"), "utf8")
      expect(docker).toMatch(/^FROM node:22-slim$/m)
      expect(docker).toMatch(/^ENTRYPOINT \["\/var\/task\/bootstrap"\]$/m)
      const copied = /^COPY (.+) \.\/$/m.exec(docker)![1]!.split(" ")
      expect(copied).toEqual(["bootstrap", "main.mjs", "main.mjs.map"])
      for (const f of copied) expect(fs.existsSync(path.join(out, f)), f).toBe(true)
      expect(fs.statSync(path.join(out, "bootstrap")).mode & 0o111).not.toBe(0)
      // The image's files are a runnable function directory as they are.
      yield* invokeHello(out)
    }).pipe(Effect.scoped))
})

describe("effect-lambda build and new: help", () => {
  it.live("--help lists build and new, each with its flags", () =>
    Effect.gen(function*() {
      const root = yield* runCli(["--help"])
      expect(root.stdout).toContain("build")
      expect(root.stdout).toContain("new")
      const build = yield* runCli(["build", "--help"])
      expect(build.code).toBe(0)
      for (
        const flag of [
          "--target",
          "--arch",
          "--out",
          "--sourcemap",
          "--node-layer",
          "--budget",
          "--compile-cache",
          "--snapshot"
        ]
      ) {
        expect(build.stdout).toContain(flag)
      }
      const scaffold = yield* runCli(["new", "--help"])
      expect(scaffold.code).toBe(0)
      for (const flag of ["--template", "--dir", "<name>"]) expect(scaffold.stdout).toContain(flag)
    }))
})

describe("effect-lambda build: errors are one line and a non-zero exit", () => {
  const expectError = (args: ReadonlyArray<string>, pattern: RegExp) =>
    Effect.gen(function*() {
      const r = yield* runCli(args)
      expect(r.code, r.stderr).not.toBe(0)
      expect(r.code).not.toBeNull()
      const line = oneErrorLine(r.stderr)
      expect(line, r.stderr).toBeDefined()
      expect(line).toMatch(pattern)
    })

  it.live("missing directory", () =>
    expectError(["build", "examples/nope"], /^effect-lambda: nothing to build: examples\/nope is not a directory$/))

  it.live("directory without src/main.ts", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* expectError(["build", dir], /no src\/main\.ts/)
    }).pipe(Effect.scoped))

  it.live("unknown target", () =>
    expectError(["build", hello, "--target", "lambda"], /provided\.al2023, nodejs, image/))

  it.live("--snapshot on another target", () =>
    expectError(
      ["build", hello, "--target", "nodejs", "--snapshot"],
      /^effect-lambda: --snapshot: only with --target provided\.al2023/
    ))

  it.live("unknown arch", () => expectError(["build", hello, "--arch", "sparc"], /x86_64, arm64/))

  it.live("bundle over --budget", () =>
    Effect.gen(function*() {
      const out = yield* tempDir
      yield* expectError(
        ["build", hello, "--budget", "1", "--out", out],
        /^effect-lambda: the bundle of .* is [\d.]+ KB, over the --budget of 1 KB$/
      )
      expect(fs.readdirSync(out)).toEqual([])
    }).pipe(Effect.scoped))

  it.live("code that does not bundle", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      fs.mkdirSync(path.join(dir, "src"))
      fs.writeFileSync(path.join(dir, "src/main.ts"), "import { nope } from \"./missing.js\"\nnope()\n")
      yield* expectError(
        ["build", dir],
        /^effect-lambda: bundling .* failed: .*main\.ts:1: Could not resolve "\.\/missing\.js"$/
      )
    }).pipe(Effect.scoped))
})
