/**
 * Plain Node.js function folders (no `src/main.ts`): what `effect-lambda build` packages with the
 * drop-in runner, and how `invoke|start|watch` run them without a `bootstrap`.
 *
 * @internal
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type NodeFetchFailed, PackageFailed } from "../CliError.js"
import * as Artefact from "./artefact.js"
import { type Arch, NODE_VERSION, nodeBinary } from "./nodeBinary.js"
import { writeZip } from "./zip.js"

/**
 * The drop-in runner, bundled beside the CLI (`dist/dropin.mjs`, made by scripts/bundle.mjs from
 * `@effect-lambda/runtime`'s `NodeHandler.runMain`).
 *
 * @internal
 */
export const runnerFile = (): string => fileURLToPath(new URL("./dropin.mjs", import.meta.url))

/** The name the runner has inside an artefact, beside the function's own files. @internal */
export const RUNNER_NAME = "effect-lambda-runner.mjs"

/**
 * A folder is a plain function when it has no `src/main.ts` but has JavaScript of its own or a
 * package.json.
 *
 * @internal
 */
export const isPlainFunction = (absDir: string): boolean => {
  if (fs.existsSync(path.join(absDir, "src/main.ts"))) return false
  if (fs.existsSync(path.join(absDir, "package.json"))) return true
  return fs.readdirSync(absDir).some((f) => /\.(c|m)?js$/.test(f))
}

/**
 * Whether `invoke|start|watch` run the folder on the drop-in runner: it has no `bootstrap` of its
 * own and is a plain function.
 *
 * @internal
 */
export const runsOnRunner = (absDir: string): boolean =>
  !fs.existsSync(path.join(absDir, "bootstrap")) && isPlainFunction(absDir)

let launcherFile: string | undefined

/**
 * An executable the emulator starts in place of a `bootstrap`: the drop-in runner on this Node.
 * The function folder stays `LAMBDA_TASK_ROOT`; nothing is written into it.
 *
 * @internal
 */
export const launcher = (): string => {
  if (launcherFile !== undefined && fs.existsSync(launcherFile)) return launcherFile
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-lambda-dropin-"))
  const file = path.join(dir, "bootstrap")
  fs.writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${runnerFile()}"\n`, { mode: 0o755 })
  launcherFile = file
  return file
}

// Never shipped: VCS data, the CLI's own output, editors' and tools' folders.
const SKIP_TOP = new Set([".git", ".hg", ".svn", "build", ".effect-lambda", ".vscode", ".idea", "coverage", ".tmp"])
const SKIP_ANY = new Set([".DS_Store"])

interface PackageJson {
  readonly name?: string
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly bundleDependencies?: ReadonlyArray<string>
}

const readPackageJson = (file: string): PackageJson | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackageJson
  } catch {
    return undefined
  }
}

/**
 * Where Node would find package `name` from `fromDir`: the first `node_modules/<name>` up the
 * tree, not above `root`.
 */
const locate = (name: string, fromDir: string, root: string): string | undefined => {
  for (let dir = fromDir;; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name)
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate
    if (dir === root || path.dirname(dir) === dir) return undefined
  }
}

/**
 * The packages under `node_modules` that the function needs at run time: the closure of
 * `dependencies` and `optionalDependencies` of its package.json (never `devDependencies`), as
 * npm and yarn lay them out (hoisted or nested). A missing optional dependency is skipped; a
 * missing required one is reported.
 *
 * @internal
 */
export const productionPackages = (
  absDir: string
): { readonly dirs: ReadonlyArray<string>; readonly missing: ReadonlyArray<string> } => {
  const root = readPackageJson(path.join(absDir, "package.json"))
  const dirs = new Set<string>()
  const missing: Array<string> = []
  const visit = (pkgJson: PackageJson | undefined, fromDir: string) => {
    if (pkgJson === undefined) return
    const required = Object.keys(pkgJson.dependencies ?? {})
    const optional = Object.keys(pkgJson.optionalDependencies ?? {})
    for (
      const [name, isOptional] of [
        ...required.map((n) => [n, false] as const),
        ...optional.map((n) => [n, true] as const)
      ]
    ) {
      const found = locate(name, fromDir, absDir)
      if (found === undefined) {
        if (!isOptional) missing.push(name)
        continue
      }
      if (dirs.has(found)) continue
      dirs.add(found)
      visit(readPackageJson(path.join(found, "package.json")), found)
    }
  }
  visit(root, absDir)
  return { dirs: Array.from(dirs).sort(), missing }
}

/** @internal */
export interface FunctionFile {
  /** Path inside the artefact, `/`-separated. */
  readonly name: string
  readonly file: string
  readonly mode: number
}

const walk = (absDir: string, dir: string, out: Array<FunctionFile>, skipNodeModules: boolean) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_ANY.has(entry.name)) continue
    const full = path.join(dir, entry.name)
    const rel = path.relative(absDir, full).split(path.sep).join("/")
    if (dir === absDir && SKIP_TOP.has(entry.name)) continue
    if (skipNodeModules && entry.name === "node_modules") continue
    // A symlink is shipped as what it points to (zip entries are plain files).
    const stat = fs.statSync(full, { throwIfNoEntry: false })
    if (stat === undefined) continue
    if (stat.isDirectory()) walk(absDir, full, out, skipNodeModules)
    else if (stat.isFile()) out.push({ name: rel, file: full, mode: stat.mode & 0o111 ? 0o755 : 0o644 })
  }
}

/**
 * Every file of the function: its own (all but `node_modules` and the folders above) and the
 * production packages with everything inside them.
 *
 * @internal
 */
export const functionFiles = (
  absDir: string
): { readonly files: ReadonlyArray<FunctionFile>; readonly missing: ReadonlyArray<string> } => {
  const files: Array<FunctionFile> = []
  walk(absDir, absDir, files, true)
  const { dirs, missing } = productionPackages(absDir)
  for (const dir of dirs) {
    // Each package without its own nested node_modules: those are packages too, listed if needed.
    walk(absDir, dir, files, true)
  }
  return { files, missing }
}

/**
 * `bootstrap` of a drop-in artefact: Lambda sets `_HANDLER` from the function's configuration;
 * `defaultHandler` (`--handler`) is used only when it is not set (an image run by hand).
 *
 * @internal
 */
export const bootstrap = (heapSizing: string, defaultHandler: string | undefined): string =>
  `#!/bin/sh
# Lambda runs this file: start effect-lambda's drop-in runner, which loads the handler named by
# _HANDLER (file.export) from this folder exactly as AWS's Node.js runtime does.
case "$0" in */*) dir="\${0%/*}" ;; *) dir=. ;; esac
if [ -x "$dir/node" ]; then node="$dir/node"; else node=node; fi
${
    defaultHandler === undefined
      ? ""
      : `export _HANDLER="\${_HANDLER:-${defaultHandler.replace(/["\\$`]/g, "\\$&")}}"\n`
  }export LAMBDA_TASK_ROOT="\${LAMBDA_TASK_ROOT:-$dir}"
${heapSizing}
exec "$node" $heap "$dir/${RUNNER_NAME}"
`

/** @internal */
export interface DropInOptions {
  readonly dir: string
  readonly absDir: string
  readonly outDir: string
  readonly target: "provided.al2023" | "nodejs" | "image"
  readonly arch: Arch
  readonly nodeLayer: boolean
  /** `--handler`: the `_HANDLER` used when Lambda sets none. */
  readonly handler: string | undefined
}

/** @internal */
export interface DropInResult {
  readonly outDir: string
  readonly bundleBytes: number
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number; readonly note?: string }>
  readonly notes: ReadonlyArray<string>
}

const failed = (target: string) => (error: unknown) =>
  new PackageFailed({ path: target, reason: error instanceof Error ? error.message : String(error) })

/**
 * `effect-lambda build` of a plain Node.js function: `bootstrap` + the drop-in runner + the
 * function's files + its production `node_modules` (+ Node for provided.al2023), as a zip, or
 * as a folder with a Dockerfile for `--target image`. Nothing is bundled: the code runs as the
 * user wrote it, loaded by the rules of AWS's client.
 *
 * @internal
 */
export const build = (
  options: DropInOptions
): Effect.Effect<
  DropInResult,
  PackageFailed | NodeFetchFailed,
  FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor
> =>
  Effect.gen(function*() {
    if (options.target === "nodejs") {
      return yield* new PackageFailed({
        path: options.dir,
        reason:
          "a plain Node.js function runs on nodejs22.x/nodejs24.x as it is (zip the folder); use --target provided.al2023 or image for the drop-in runner"
      })
    }
    const runner = runnerFile()
    if (!fs.existsSync(runner)) {
      return yield* new PackageFailed({
        path: runner,
        reason: "the drop-in runner is missing: rebuild the CLI (pnpm build)"
      })
    }
    const { files, missing } = yield* Effect.try({
      try: () => functionFiles(options.absDir),
      catch: failed(options.dir)
    })
    const shipsNode = options.target === "provided.al2023" && !options.nodeLayer
    const clash = files.find((f) =>
      f.name === "bootstrap" || f.name === RUNNER_NAME || (shipsNode && f.name === "node")
    )
    if (clash !== undefined) {
      return yield* new PackageFailed({
        path: clash.file,
        reason: `the artefact needs ${clash.name} for itself: rename the function's own`
      })
    }
    const notes: Array<string> = []
    if (missing.length > 0) {
      notes.push(`dependencies not in node_modules (run npm install --omit=dev first): ${missing.join(", ")}`)
    }
    notes.push(
      options.handler === undefined
        ? "_HANDLER comes from the function's handler setting (no --handler default recorded)"
        : `_HANDLER defaults to ${options.handler} when Lambda sets none`
    )
    const boot = bootstrap(Artefact.HEAP_SIZING, options.handler)
    const runnerBytes = fs.statSync(runner).size
    const entries = [
      { name: "bootstrap", source: { content: boot }, mode: 0o755 },
      { name: RUNNER_NAME, source: { file: runner }, mode: 0o644 },
      ...files.map((f) => ({ name: f.name, source: { file: f.file }, mode: f.mode }))
    ]
    const packages = new Set(
      files.map((f) => /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.name)?.[1]).filter((n) =>
        n !== undefined
      )
    )
    const shown = [
      { path: "bootstrap", bytes: Buffer.byteLength(boot) },
      { path: RUNNER_NAME, bytes: runnerBytes, note: "drop-in runner (aws-lambda-ric 4.x rules)" },
      {
        path: "(function)",
        bytes: files.reduce((n, f) => n + fs.statSync(f.file).size, 0),
        note: `${files.length} files, ${packages.size} production packages`
      }
    ]
    yield* Effect.try({ try: () => fs.mkdirSync(options.outDir, { recursive: true }), catch: failed(options.outDir) })
    if (options.target === "provided.al2023") {
      if (shipsNode) {
        const node = yield* nodeBinary(options.arch)
        entries.push({ name: "node", source: { file: node }, mode: 0o755 })
        shown.push({ path: "node", bytes: fs.statSync(node).size, note: `Node ${NODE_VERSION} linux ${options.arch}` })
      } else {
        notes.push(
          `no Node binary in the zip: attach a layer whose bin/node is Node ${NODE_VERSION} for ${options.arch}`
        )
      }
      const zipFile = path.join(options.outDir, "function.zip")
      const bytes = yield* writeZip(zipFile, entries)
      return {
        outDir: options.outDir,
        bundleBytes: runnerBytes,
        files: [...shown, { path: zipFile, bytes, note: "zip" }],
        notes
      }
    }
    // image: the artefact as a folder, and a Dockerfile copying all of it.
    yield* Effect.try({
      try: () => {
        for (const e of entries) {
          const to = path.join(options.outDir, e.name)
          fs.mkdirSync(path.dirname(to), { recursive: true })
          if ("file" in e.source) fs.copyFileSync(e.source.file, to)
          else fs.writeFileSync(to, e.source.content)
          fs.chmodSync(to, e.mode)
        }
        fs.writeFileSync(path.join(options.outDir, "Dockerfile"), Artefact.dockerfile(["."]))
      },
      catch: failed(options.outDir)
    })
    notes.push(
      `docker build --platform linux/${options.arch === "arm64" ? "arm64" : "amd64"} -t <name> ${options.outDir}`
    )
    return {
      outDir: options.outDir,
      bundleBytes: runnerBytes,
      files: [{
        path: path.join(options.outDir, "Dockerfile"),
        bytes: fs.statSync(path.join(options.outDir, "Dockerfile")).size
      }, ...shown],
      notes
    }
  })
