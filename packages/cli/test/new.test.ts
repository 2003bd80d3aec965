import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { bin, oneErrorLine, repoRoot, runCli, tempDir } from "./helpers.js"
import { linkWorkspaceModules, workspaceTemp } from "./scaffoldHelpers.js"

// These tests run the built binary: `pnpm build` (or `pnpm --filter @effect-lambda/cli build`) first.
if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the cli package's build first`)

const SLOW = 150_000

// No colours in the output the assertions read.
const { FORCE_COLOR: _forceColor, ...inherited } = process.env
const plainEnv = { ...inherited, CI: "true", NO_COLOR: "1" }

/** Runs a node script in `cwd`; resolves to its exit code and output. */
const runNode = (args: ReadonlyArray<string>, cwd: string) =>
  Effect.async<{ code: number | null; output: string }>((resume) => {
    const child = spawn(process.execPath, args as Array<string>, { cwd, stdio: ["ignore", "pipe", "pipe"], env: plainEnv })
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d))
    child.on("close", (code) => resume(Effect.succeed({ code, output })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const scaffolded = (template: string) =>
  Effect.acquireRelease(
    Effect.sync(() => workspaceTemp(`new-${template}`)),
    (parent) => Effect.sync(() => fs.rmSync(parent, { recursive: true, force: true }))
  ).pipe(
    Effect.flatMap((parent) =>
      Effect.gen(function*() {
        const r = yield* runCli(["new", `my-${template}`, "--template", template, "--dir", parent])
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toContain(`template ${template}, linked to this workspace`)
        const dir = path.join(parent, `my-${template}`)
        linkWorkspaceModules(dir)
        return dir
      })
    )
  )

const expected: Record<string, (payload: string) => void> = {
  hello: (payload) => expect(JSON.parse(payload)).toEqual({ message: "hello world" }),
  "http-api": (payload) => {
    const answer = JSON.parse(payload) as { statusCode: number; body: string }
    expect(answer.statusCode).toBe(200)
    expect(JSON.parse(answer.body)).toEqual({ message: "hello world" })
  },
  sqs: (payload) => expect(JSON.parse(payload)).toEqual({ batchItemFailures: [] }),
  streaming: (payload) => expect(payload).toContain("chunk 1\nchunk 2\nchunk 3\n")
}

describe("effect-lambda new", () => {
  for (const template of Object.keys(expected)) {
    it.live(`${template}: the scaffold type-checks, passes its own tests, and answers under the emulator`, () =>
      Effect.gen(function*() {
        const dir = yield* scaffolded(template)
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
        expect(manifest.dependencies["@effect-lambda/runtime"]).toBe("workspace:*")
        expect(fs.statSync(path.join(dir, "bootstrap")).mode & 0o111).not.toBe(0)

        const tsc = yield* runNode([path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir)
        expect(tsc.code, tsc.output).toBe(0)
        const tests = yield* runNode([path.join(repoRoot, "node_modules/vitest/vitest.mjs"), "run"], dir)
        expect(tests.code, tests.output).toBe(0)
        expect(tests.output).toMatch(/Tests\s+\d+ passed/)

        // `invoke` runs the generated `build` script first (dist/ is missing), then bootstrap.
        const r = yield* runCli(["invoke", dir, "--event-file", path.join(dir, "events/sample.json")], { timeoutMs: 60_000 })
        expect(r.code, r.stderr).toBe(0)
        expected[template]!(r.stdout)
      }).pipe(Effect.scoped), SLOW)
  }

  it.live("outside this workspace the package.json asks for published versions", () =>
    Effect.gen(function*() {
      const parent = yield* tempDir
      const r = yield* runCli(["new", "outside", "--dir", parent])
      expect(r.code, r.stderr).toBe(0)
      const manifest = JSON.parse(fs.readFileSync(path.join(parent, "outside/package.json"), "utf8"))
      expect(manifest.dependencies["@effect-lambda/runtime"]).toMatch(/^\^\d/)
      expect(manifest.devDependencies["@effect-lambda/testing"]).toMatch(/^\^\d/)
      expect(manifest.scripts.build).toContain("--outfile=dist/main.mjs")
    }).pipe(Effect.scoped))

  it.live("a bad name, an existing folder and an unknown template are one-line errors", () =>
    Effect.gen(function*() {
      const parent = yield* tempDir
      for (const [args, pattern] of [
        [["new", "Bad Name", "--dir", parent], /'Bad Name' is not a valid function name/],
        [["new", "fn", "--template", "graphql", "--dir", parent], /hello, http-api, sqs, streaming/]
      ] as const) {
        const r = yield* runCli(args)
        expect(r.code).not.toBe(0)
        expect(oneErrorLine(r.stderr), r.stderr).toMatch(pattern)
      }
      fs.mkdirSync(path.join(parent, "taken"))
      const r = yield* runCli(["new", "taken", "--dir", parent])
      expect(r.code).not.toBe(0)
      expect(oneErrorLine(r.stderr), r.stderr).toMatch(/taken already exists/)
    }).pipe(Effect.scoped))
})
