/**
 * The function's own type-check, run by `build`, `invoke`, `start` and `watch`: a handler that
 * does not type-check still bundles (esbuild strips types), so without this a type error is
 * invoked and shipped without a word.
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { TypeCheckFailed } from "../CliError.js"
import { exec } from "./exec.js"

/**
 * The project's TypeScript compiler: the nearest `node_modules/typescript` above the function.
 */
const findTsc = (fs: FileSystem.FileSystem, path: Path.Path, absDir: string) =>
  Effect.gen(function*() {
    for (let dir = absDir;; dir = path.dirname(dir)) {
      const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc")
      if (yield* fs.exists(tsc).pipe(Effect.orElseSucceed(() => false))) return Option.some(tsc)
      if (path.dirname(dir) === dir) return Option.none<string>()
    }
  })

/**
 * Type-checks the function when it has a `tsconfig.json` and TypeScript is installed for it;
 * does nothing otherwise. Incremental: a solution-style config (project references) is built
 * with `tsc -b`, any other with `tsc --noEmit --incremental` and its build info kept under
 * `node_modules/.cache`, so an unchanged project is checked in a moment.
 *
 * @internal
 */
export const typecheck = (
  absDir: string,
  shownDir: string
): Effect.Effect<void, TypeCheckFailed, FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const config = yield* fs.readFileString(path.join(absDir, "tsconfig.json")).pipe(Effect.option)
    if (Option.isNone(config)) return
    const tsc = yield* findTsc(fs, path, absDir)
    if (Option.isNone(tsc)) return
    const solution = /"references"\s*:/.test(config.value)
    const args = solution
      ? ["-b", absDir, "--pretty", "false"]
      : [
        "-p",
        absDir,
        "--noEmit",
        "--incremental",
        "--tsBuildInfoFile",
        path.join(absDir, "node_modules", ".cache", "effect-lambda", "tsbuildinfo"),
        "--pretty",
        "false"
      ]
    const result = yield* exec(
      Command.make(process.execPath, tsc.value, ...args).pipe(Command.workingDirectory(absDir))
    )
    if (result.exitCode === 0) return
    const errors = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line.trim() !== "")
    return yield* new TypeCheckFailed({ dir: shownDir, errors })
  }).pipe(
    Effect.catchTags({
      BadArgument: () => Effect.void,
      SystemError: () => Effect.void
    })
  )
