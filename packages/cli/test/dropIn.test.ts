// A folder of plain Node.js code (no src/main.ts, no bootstrap): `invoke --handler` runs it on the
// drop-in runner; `build` packages it with the runner, its files and only its production packages,
// and the zip's bootstrap then runs it under the emulator with the handler Lambda names.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { runCli, tempDir } from "./helpers.js"

const write = (root: string, files: Record<string, string>) => {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), content)
  }
}

const plainFunction = (root: string) =>
  write(root, {
    "package.json": JSON.stringify({
      name: "legacy",
      type: "module",
      dependencies: { "prod-dep": "1.0.0" },
      devDependencies: { "dev-dep": "1.0.0" }
    }),
    "src/app.js":
      `import dep from "prod-dep"\nexport const handler = async (event, context) => ({ message: dep.greet(event.name), fn: context.functionName })\nexport const other = async () => "other"\n`,
    "node_modules/prod-dep/package.json": JSON.stringify({
      name: "prod-dep",
      main: "index.js",
      dependencies: { "sub-dep": "1.0.0" }
    }),
    "node_modules/prod-dep/index.js": `module.exports = { greet: (n) => require("sub-dep").hi + " " + n }\n`,
    "node_modules/sub-dep/package.json": JSON.stringify({ name: "sub-dep", main: "index.js" }),
    "node_modules/sub-dep/index.js": `module.exports = { hi: "hello" }\n`,
    "node_modules/dev-dep/package.json": JSON.stringify({ name: "dev-dep", main: "index.js" }),
    "node_modules/dev-dep/index.js": `module.exports = {}\n`
  })

/**
 * Runs an unpacked artefact's bootstrap under the emulator (a real Runtime API; `--handler` sets
 * `_HANDLER` as Lambda's function configuration does); resolves to the response.
 */
const runBootstrap = (task: string, handler?: string) =>
  Effect.gen(function*() {
    const r = yield* runCli(
      ["invoke", task, "--event", "{\"name\":\"zip\"}", ...(handler === undefined ? [] : ["--handler", handler])],
      { timeoutMs: 60_000 }
    )
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as unknown
  })

describe("plain Node.js folders (drop-in runner)", () => {
  it.live("invoke --handler runs the folder without a bootstrap", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      plainFunction(dir)
      const r = yield* runCli(["invoke", dir, "--handler", "src/app.handler", "--event", "{\"name\":\"world\"}"], {
        timeoutMs: 60_000
      })
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({ message: "hello world", fn: "function" })
      expect(fs.existsSync(path.join(dir, "bootstrap"))).toBe(false)
    }).pipe(Effect.scoped), 90_000)

  it.live(
    "build: bootstrap + runner + files + production packages only; _HANDLER from Lambda wins over --handler",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        plainFunction(dir)
        const out = path.join(dir, "out")
        const r = yield* runCli(["build", dir, "--handler", "src/app.handler", "--node-layer", "--out", out], {
          timeoutMs: 60_000
        })
        expect(r.code, r.stderr).toBe(0)
        const task = path.join(dir, "task")
        execFileSync("unzip", ["-q", path.join(out, "function.zip"), "-d", task])
        const names = fs.readdirSync(task, { recursive: true, encoding: "utf8" })
          .filter((f) => fs.statSync(path.join(task, f)).isFile()).sort()
        expect(names).toEqual([
          "bootstrap",
          "effect-lambda-runner.mjs",
          "node_modules/prod-dep/index.js",
          "node_modules/prod-dep/package.json",
          "node_modules/sub-dep/index.js",
          "node_modules/sub-dep/package.json",
          "package.json",
          "src/app.js"
        ])
        expect(fs.statSync(path.join(task, "bootstrap")).mode & 0o111).not.toBe(0)
        expect(yield* runBootstrap(task)).toEqual({ message: "hello zip", fn: "function" })
        expect(yield* runBootstrap(task, "src/app.other")).toBe("other")
      }).pipe(Effect.scoped),
    90_000
  )

  it.live("build --target image: the same files beside a Dockerfile", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      plainFunction(dir)
      const out = path.join(dir, "image")
      const r = yield* runCli(["build", dir, "--target", "image", "--out", out], { timeoutMs: 60_000 })
      expect(r.code, r.stderr).toBe(0)
      expect(fs.readFileSync(path.join(out, "Dockerfile"), "utf8")).toContain("ENTRYPOINT [\"/var/task/bootstrap\"]")
      expect(fs.existsSync(path.join(out, "node_modules/dev-dep"))).toBe(false)
      expect(yield* runBootstrap(out, "src/app.handler")).toEqual({ message: "hello zip", fn: "function" })
    }).pipe(Effect.scoped), 90_000)
})
