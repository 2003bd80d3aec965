// What the build tests share: examples/hello, zip listings, and invoking an unpacked artefact.
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync, spawnSync } from "node:child_process"
import * as path from "node:path"
import { repoRoot, runCli } from "./helpers.js"

export const hello = path.join(repoRoot, "examples/hello")
export const hasZipinfo = spawnSync("zipinfo", ["-h"]).error === undefined
if (!hasZipinfo) {
  console.warn("build tests SKIPPED: zipinfo/unzip not found (apt-get install -y unzip)")
}
// Building with the Node binary zips ~120 MB, and the first build fetches it with npm pack.
export const SLOW = 180_000

/** `zipinfo` lines as { mode, name }. */
export const zipEntries = (zip: string) =>
  execFileSync("zipinfo", [zip], { encoding: "utf8" })
    .split("\n")
    .filter((l) => /^[-d][rwx-]{9}/.test(l))
    .map((l) => ({ mode: l.slice(0, 10), name: l.split(/\s+/).at(-1)! }))

export const unzip = (zip: string, dir: string) => execFileSync("unzip", ["-q", zip, "-d", dir])

export const invokeHello = (dir: string, extra: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const r = yield* runCli(["invoke", dir, "--event", "{\"name\":\"zip\"}", ...extra], { timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ message: "hello zip" })
  })
