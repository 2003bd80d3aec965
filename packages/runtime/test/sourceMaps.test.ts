import { describe, expect, it } from "@effect/vitest"
import * as esbuild from "esbuild"
import * as cp from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const bundle = async (sourcemap: boolean) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "source-maps-"))
  const outfile = path.join(dir, "main.mjs")
  await esbuild.build({
    entryPoints: [path.join(__dirname, "fixtures/sourceMapped.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    minify: true,
    outfile,
    sourcemap,
    sourcesContent: false,
    logLevel: "warning"
  })
  return outfile
}

const run = (file: string, args: ReadonlyArray<string> = []) =>
  JSON.parse(cp.execFileSync(process.execPath, [...args, file], { encoding: "utf8" })) as {
    stack: string
    mapsBeforeAnError: number
    mapsAfter: number
  }

describe("source-mapped stack traces (lazy)", () => {
  it("a minified bundle's stack names the TypeScript source, and the map is read only when a stack is", async () => {
    const result = run(await bundle(true))
    const lines = result.stack.split("\n")
    expect(lines[0]).toBe("OrderError: order 7 refused")
    // throw site, then its caller, both in the TypeScript file with their lines
    expect(lines[1]).toMatch(/at .*test\/fixtures\/sourceMapped\.ts:11:9\)?$/)
    expect(lines[2]).toMatch(/test\/fixtures\/sourceMapped\.ts:17:3\)?$/)
    expect(result.stack).not.toMatch(/main\.mjs/)
    expect(result.mapsBeforeAnError).toBe(0)
    expect(result.mapsAfter).toBe(1)
  })

  it("without a map the frames stay as V8 prints them", async () => {
    const result = run(await bundle(false))
    expect(result.stack.split("\n")[1]).toMatch(/main\.mjs:\d+:\d+\)?$/)
    expect(result.mapsAfter).toBe(0)
  })

  it("under --enable-source-maps it leaves Node's own mapping alone", async () => {
    const result = run(await bundle(true), ["--enable-source-maps"])
    expect(result.stack.split("\n")[1]).toMatch(/sourceMapped\.ts:11:9\)?$/)
    expect(result.mapsAfter).toBe(0)
  })
})
