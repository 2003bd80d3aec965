/** @internal */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { BuildFailed, FunctionDirNotFound, MissingBootstrap } from "../CliError.js"

/** @internal */
export const resolveDir = (
  dir: string
): Effect.Effect<string, FunctionDirNotFound, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(dir).pipe(Effect.option)
    if (Option.isNone(info) || info.value.type !== "Directory") return yield* new FunctionDirNotFound({ dir })
    return path.resolve(dir)
  })

/**
 * Checked by the CLI rather than left to the emulator so the message names the directory the
 * user typed, not the resolved path.
 *
 * @internal
 */
export const checkBootstrap = (
  absDir: string,
  shownDir: string
): Effect.Effect<void, MissingBootstrap, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(path.join(absDir, "bootstrap")).pipe(Effect.option)
    if (Option.isNone(info) || info.value.type !== "File") {
      return yield* new MissingBootstrap({ dir: shownDir, reason: "missing" })
    }
    if ((info.value.mode & 0o111) === 0) return yield* new MissingBootstrap({ dir: shownDir, reason: "not-executable" })
  })

const newestMtime = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  root: string
): Effect.Effect<Option.Option<number>> =>
  Effect.gen(function*() {
    const entries = yield* fs.readDirectory(root, { recursive: true }).pipe(Effect.orElseSucceed(() => []))
    let newest = Option.none<number>()
    for (const entry of entries) {
      if (entry.split(path.sep).includes("node_modules")) continue
      const info = yield* fs.stat(path.join(root, entry)).pipe(Effect.option)
      if (Option.isNone(info) || info.value.type !== "File") continue
      const mtime = Option.getOrElse(Option.map(info.value.mtime, (d) => d.getTime()), () => 0)
      if (Option.isNone(newest) || mtime > newest.value) newest = Option.some(mtime)
    }
    return newest
  })

/** The package manager that runs the function's `build` script. */
interface BuildCommand {
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly display: string
}

// When we run under `pnpm start`/`npm run`, npm_execpath points at the package manager that
// started us: reuse it, since `npx -y pnpm@10 start` leaves no `pnpm` on PATH.
const buildCommands = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  absDir: string
): Effect.Effect<ReadonlyArray<BuildCommand>> =>
  Effect.gen(function*() {
    const commands: Array<BuildCommand> = []
    const execPath = process.env.npm_execpath
    if (execPath !== undefined && execPath !== "") {
      const name = path.basename(execPath).replace(/(-cli)?\.(c|m)?js$/, "")
      const isScript = /\.(c|m)?js$/.test(execPath)
      commands.push({
        file: isScript ? process.execPath : execPath,
        args: isScript ? [execPath, "run", "build"] : ["run", "build"],
        display: `${name} run build`
      })
    }
    let usesPnpm = false
    for (let dir = absDir;; dir = path.dirname(dir)) {
      if (
        (yield* fs.exists(path.join(dir, "pnpm-lock.yaml")).pipe(Effect.orElseSucceed(() => false))) ||
        (yield* fs.exists(path.join(dir, "pnpm-workspace.yaml")).pipe(Effect.orElseSucceed(() => false)))
      ) {
        usesPnpm = true
        break
      }
      if (path.dirname(dir) === dir) break
    }
    if (usesPnpm) commands.push({ file: "pnpm", args: ["run", "build"], display: "pnpm run build" })
    commands.push({ file: "npm", args: ["run", "build"], display: "npm run build" })
    return commands
  })

type RunOutcome =
  | { readonly _tag: "Exited"; readonly code: number }
  | { readonly _tag: "Killed"; readonly description: string }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "SpawnError"; readonly message: string }

// Build output goes to stderr, line by line: stdout is reserved for the invocation payload and
// the URL. The executor starts the build in its own process group and, when the scope closes
// early (Ctrl-C during a build), signals the whole group: package manager, shell and compiler.
const runBuild = (
  command: BuildCommand,
  cwd: string
): Effect.Effect<RunOutcome, never, CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const child = yield* Command.make(command.file, ...command.args).pipe(
      Command.workingDirectory(cwd),
      // An ended stdin: a build that asks a question gets EOF instead of waiting forever.
      Command.stdin(Stream.empty),
      Command.start
    )
    const forward = Stream.merge(child.stdout, child.stderr).pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) => Console.error(line)),
      Effect.ignore
    )
    const [, code] = yield* Effect.all([forward, child.exitCode], { concurrency: 2 })
    return { _tag: "Exited", code } as const
  }).pipe(
    Effect.scoped,
    Effect.catchAll((error): Effect.Effect<RunOutcome> =>
      Effect.succeed(
        error._tag === "SystemError" && error.reason === "NotFound" && error.method === "spawn"
          ? { _tag: "NotFound" }
          : error.method === "exitCode"
          ? { _tag: "Killed", description: error.description ?? error.message }
          : { _tag: "SpawnError", message: error.message }
      )
    )
  )

/**
 * Runs the directory's `build` script when it has one and the output is stale: `dist/` is
 * missing or older than the newest file under `src/` (or always, with `force`). `start`,
 * `invoke` and `watch` all go through here so they agree on what "needs a build" means.
 *
 * @internal
 */
export const ensureBuilt = (
  absDir: string,
  shownDir: string,
  options?: { readonly force?: boolean }
): Effect.Effect<boolean, BuildFailed, FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const manifest = yield* fs.readFileString(path.join(absDir, "package.json")).pipe(Effect.option)
    if (Option.isNone(manifest)) return false
    const hasBuild = (() => {
      try {
        const parsed = JSON.parse(manifest.value) as { scripts?: Record<string, unknown> }
        return typeof parsed.scripts?.build === "string"
      } catch {
        return false
      }
    })()
    if (!hasBuild) return false
    if (options?.force !== true) {
      const dist = yield* newestMtime(fs, path, path.join(absDir, "dist"))
      if (Option.isSome(dist)) {
        const src = yield* newestMtime(fs, path, path.join(absDir, "src"))
        if (Option.isNone(src) || src.value <= dist.value) return false
      }
    }
    const commands = yield* buildCommands(fs, path, absDir)
    yield* Console.error(`effect-lambda: building ${shownDir}`)
    for (const command of commands) {
      const outcome = yield* runBuild(command, absDir)
      switch (outcome._tag) {
        case "NotFound":
          continue
        case "SpawnError":
          return yield* new BuildFailed({ dir: shownDir, command: command.display, reason: outcome.message })
        case "Killed":
          return yield* new BuildFailed({
            dir: shownDir,
            command: command.display,
            reason: `was stopped: ${outcome.description}`
          })
        case "Exited":
          if (outcome.code === 0) return true
          return yield* new BuildFailed({
            dir: shownDir,
            command: command.display,
            reason: `exited with code ${outcome.code}`
          })
      }
    }
    return yield* new BuildFailed({ dir: shownDir, command: "npm run build", reason: "could not start: npm not found" })
  })
