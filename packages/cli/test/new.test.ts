import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { version } from "../src/internal/version.js"
import { bin, oneErrorLine, repoRoot, runCli, tempDir } from "./helpers.js"

// These tests run the built binary: `pnpm build` (or `pnpm --filter @effect-lambda/cli build`) first.
// That the generated folders install, type-check, pass their tests and answer with the printed
// steps, from published packages, is packages/e2e/test/journey.test.ts (a real registry).
if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the cli package's build first`)

// No colours, and no package manager of ours leaking into the one `new` detects.
const { FORCE_COLOR: _forceColor, npm_config_user_agent: _agent, ...inherited } = process.env

/** `effect-lambda new ...` in `cwd` with `env` added; resolves to its exit code and output. */
const runNew = (args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) =>
  Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
    const child = spawn(process.execPath, [bin, "new", ...args], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...inherited, CI: "true", NO_COLOR: "1", ...env }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const nextLine = (stdout: string): string => {
  const lines = stdout.split("\n")
  return lines[lines.indexOf("next:") + 1]!.trim()
}

const manifestOf = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
    dependencies: Record<string, string>
    devDependencies: Record<string, string>
    scripts: Record<string, string>
  }

describe("effect-lambda new", () => {
  it.live("outside this repository: this release's ranges, and npm's steps (npx) or pnpm's (pnpm dlx)", () =>
    Effect.gen(function*() {
      const parent = yield* tempDir
      const r = yield* runNew(["my-fn"], parent)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("created my-fn (template hello)")
      expect(nextLine(r.stdout)).toBe(
        "cd my-fn && npm install && npm test && npx effect-lambda invoke . --event-file events/sample.json"
      )
      const manifest = manifestOf(path.join(parent, "my-fn"))
      expect(manifest.dependencies["@effect-lambda/runtime"]).toBe(`^${version}`)
      expect(manifest.devDependencies["@effect-lambda/testing"]).toBe(`^${version}`)
      expect(manifest.devDependencies["@effect-lambda/cli"]).toBe(`^${version}`)
      expect(manifest.dependencies.effect).toMatch(/^\^3\./)
      expect(manifest.scripts.build).toContain("--outfile=dist/main.mjs")
      const tsconfig = JSON.parse(fs.readFileSync(path.join(parent, "my-fn/tsconfig.json"), "utf8"))
      expect(tsconfig.compilerOptions).toMatchObject({ strict: true, skipLibCheck: false })
      expect(fs.statSync(path.join(parent, "my-fn/bootstrap")).mode & 0o111).not.toBe(0)

      const p = yield* runNew(["other", "--dir", "fns", "--template", "sqs"], parent, {
        npm_config_user_agent: "pnpm/10.34.9 npm/? node/v20.19.0 linux x64"
      })
      expect(p.code, p.stderr).toBe(0)
      expect(nextLine(p.stdout)).toBe(
        "cd fns/other && pnpm install && pnpm test && pnpm exec effect-lambda invoke . --event-file events/sample.json"
      )
      expect(manifestOf(path.join(parent, "fns/other")).dependencies["@effect-lambda/middleware"]).toBe(`^${version}`)
    }).pipe(Effect.scoped))

  it.live("inside an effect-lambda checkout: workspace:* under a workspace glob, refused elsewhere with where to run it", () =>
    Effect.gen(function*() {
      // A checkout as `new` recognises one: pnpm-workspace.yaml and packages/runtime.
      const root = yield* tempDir
      fs.writeFileSync(path.join(root, "pnpm-workspace.yaml"), "packages:\n  - packages/*\n  - \"examples/*\"\n")
      fs.mkdirSync(path.join(root, "packages/runtime"), { recursive: true })
      fs.writeFileSync(
        path.join(root, "packages/runtime/package.json"),
        JSON.stringify({ name: "@effect-lambda/runtime" })
      )
      fs.mkdirSync(path.join(root, "examples"))

      const inside = yield* runNew(["orders", "--dir", "examples", "--template", "http-api"], root)
      expect(inside.code, inside.stderr).toBe(0)
      expect(inside.stdout).toContain("template http-api, linked to this workspace")
      expect(nextLine(inside.stdout)).toBe(
        "cd examples/orders && pnpm install && pnpm test && pnpm exec effect-lambda invoke . --event-file events/sample.json"
      )
      const manifest = manifestOf(path.join(root, "examples/orders"))
      expect(manifest.dependencies["@effect-lambda/runtime"]).toBe("workspace:*")
      expect(manifest.dependencies["@effect-lambda/middleware"]).toBe("workspace:*")
      expect(manifest.devDependencies["@effect-lambda/cli"]).toBe("workspace:*")

      // At the root (the folder would be outside every glob), nothing is written.
      const atRoot = yield* runNew(["stray"], root)
      expect(atRoot.code).not.toBe(0)
      expect(oneErrorLine(atRoot.stderr), atRoot.stderr).toMatch(
        /stray is inside the effect-lambda repository but not in one of its workspace folders \(packages\/\*, examples\/\*\).*--dir examples/
      )
      expect(fs.existsSync(path.join(root, "stray"))).toBe(false)
    }).pipe(Effect.scoped))

  it.live("this repository's root is such a checkout: new at the root is refused", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["new", "not-here"])
      expect(r.code).not.toBe(0)
      expect(oneErrorLine(r.stderr), r.stderr).toMatch(/not-here is inside the effect-lambda repository/)
      expect(fs.existsSync(path.join(repoRoot, "not-here"))).toBe(false)
    }))

  it.live("a bad name, an existing folder and an unknown template are one-line errors", () =>
    Effect.gen(function*() {
      const parent = yield* tempDir
      for (
        const [args, pattern] of [
          [["new", "Bad Name", "--dir", parent], /'Bad Name' is not a valid function name/],
          [["new", "fn", "--template", "graphql", "--dir", parent], /hello, http-api, sqs, streaming/]
        ] as const
      ) {
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
