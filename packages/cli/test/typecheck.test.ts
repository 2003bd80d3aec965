import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { echoFixture, repoRoot, runCli, tempDir } from "./helpers.js"

const SLOW = 90_000

/** The echo fixture as a TypeScript project whose src/main.ts has a type error (or not). */
const project = (source: string) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    fs.copyFileSync(path.join(echoFixture, "bootstrap"), path.join(dir, "bootstrap"))
    fs.chmodSync(path.join(dir, "bootstrap"), 0o755)
    fs.mkdirSync(path.join(dir, "src"))
    fs.mkdirSync(path.join(dir, "node_modules"))
    fs.symlinkSync(path.join(repoRoot, "node_modules", "typescript"), path.join(dir, "node_modules", "typescript"))
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "NodeNext", types: [] },
        include: ["src"]
      })
    )
    fs.writeFileSync(path.join(dir, "src", "main.ts"), source)
    return dir
  })

const BROKEN = "const name: string = \"x\"\nexport const doubled: number = name * 2\n"

describe("type errors surface", () => {
  it.live(
    "invoke shows tsc's errors and still invokes; build fails on them unless --no-typecheck",
    () =>
      Effect.gen(function*() {
        const dir = yield* project(BROKEN)
        const invoked = yield* runCli(["invoke", dir, "--event", "{\"a\":1}"], { timeoutMs: SLOW })
        expect(invoked.code, invoked.stderr).toBe(0)
        expect(JSON.parse(invoked.stdout)).toEqual({ echo: { a: 1 }, env: null })
        expect(invoked.stderr).toMatch(/src\/main\.ts\(2,32\): error TS2362/)
        expect(invoked.stderr).toContain("does not type-check")

        const out = path.join(dir, "out")
        const built = yield* runCli(["build", dir, "--target", "nodejs", "--out", out], { timeoutMs: SLOW })
        expect(built.code).toBe(1)
        expect(built.stdout).toBe("")
        expect(built.stderr).toMatch(/error TS2362/)
        expect(built.stderr.trim().split("\n").at(-1)).toMatch(
          /^effect-lambda: .* does not type-check \(1 error\(s\) above; --no-typecheck to build anyway\)$/
        )
        expect(fs.existsSync(path.join(out, "function.zip"))).toBe(false)

        const anyway = yield* runCli(["build", dir, "--target", "nodejs", "--out", out, "--no-typecheck"], {
          timeoutMs: SLOW
        })
        expect(anyway.code, anyway.stderr).toBe(0)
        expect(fs.existsSync(path.join(out, "function.zip"))).toBe(true)
      }).pipe(Effect.scoped),
    SLOW * 3
  )

  it.live("a project that type-checks builds without a word about it", () =>
    Effect.gen(function*() {
      const dir = yield* project("export const doubled: number = 2 * 2\n")
      const built = yield* runCli(["build", dir, "--target", "nodejs", "--out", path.join(dir, "out")], {
        timeoutMs: SLOW
      })
      expect(built.code, built.stderr).toBe(0)
      expect(built.stderr).not.toContain("type-check")
    }).pipe(Effect.scoped), SLOW * 2)
})
