// The builds that ship a Node binary built for elsewhere or run it at build time: a V8 startup
// snapshot, and the arm64 binary. Apart from build.test.ts so that these slow builds (a ~120 MB
// binary zipped each) run beside the others on the second worker.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { hasZipinfo, hello, SLOW, unzip, zipEntries } from "./buildHelpers.js"
import { bin, runCli, tempDir } from "./helpers.js"
import { linkWorkspaceModules, workspaceTemp } from "./scaffoldHelpers.js"

if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the cli package's build first`)

describe.skipIf(!hasZipinfo)("effect-lambda build: --snapshot and --arch", () => {
  // One snapshot build for both claims: a build with the Node binary is the slowest thing here.
  it.live.skipIf(process.arch !== "x64")(
    "--snapshot: the zip starts from a V8 startup snapshot, answers under the emulator, and Effect's default Random is seeded anew in every cold start",
    () =>
      Effect.gen(function*() {
        const parent = yield* Effect.acquireRelease(
          Effect.sync(() => workspaceTemp("snapshot-random")),
          (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
        )
        expect((yield* runCli(["new", "rnd", "--dir", parent])).code).toBe(0)
        const dir = path.join(parent, "rnd")
        linkWorkspaceModules(dir)
        fs.writeFileSync(
          path.join(dir, "src/handler.ts"),
          `import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"

export const handler = Handler.make({ handle: () => Effect.map(Random.next, (n) => ({ n })) })
`
        )
        const out = path.join(parent, "out")
        const r = yield* runCli(["build", dir, "--out", out, "--snapshot"], { timeoutMs: SLOW })
        expect(r.code, r.stderr).toBe(0)
        const names = zipEntries(path.join(out, "function.zip")).map((e) => e.name).sort()
        expect(names).toEqual(["bootstrap", "node", "snapshot.blob"])
        const task = path.join(out, "task")
        unzip(path.join(out, "function.zip"), task)
        expect(fs.readFileSync(path.join(task, "bootstrap"), "utf8")).toContain("--snapshot-blob")
        // Each invoke is a cold start from the snapshot.
        const draws = new Set<number>()
        for (let i = 0; i < 3; i++) {
          const invoked = yield* runCli(["invoke", task, "--event", "{}"], { timeoutMs: 60_000 })
          expect(invoked.code, invoked.stderr).toBe(0)
          draws.add((JSON.parse(invoked.stdout) as { n: number }).n)
        }
        expect(draws.size).toBe(3)
      }).pipe(Effect.scoped),
    SLOW
  )

  it.live("--arch arm64 ships the aarch64 Node binary", () =>
    Effect.gen(function*() {
      const out = yield* tempDir
      const r = yield* runCli(["build", hello, "--arch", "arm64", "--out", out, "--compile-cache"], { timeoutMs: SLOW })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain("Node 22.23.3 linux arm64")
      const task = path.join(out, "task")
      unzip(path.join(out, "function.zip"), task)
      const header = fs.readFileSync(path.join(task, "node")).subarray(0, 20)
      expect(header.subarray(1, 4).toString()).toBe("ELF")
      // e_machine 0xb7 = EM_AARCH64
      expect(header.readUInt16LE(18)).toBe(0xb7)
      if (process.arch !== "arm64") {
        expect(r.stdout).toContain("no compile cache: the arm64 Node binary cannot run on this machine")
      }
    }).pipe(Effect.scoped), SLOW)
})
