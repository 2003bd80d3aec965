/**
 * Plain Node.js function folders (no `src/main.ts`): what `effect-lambda build` packages with the
 * drop-in runner, and how `invoke|start|watch` run them without a `bootstrap`.
 *
 * @internal
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

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
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
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
export const productionPackages = (absDir: string): { readonly dirs: ReadonlyArray<string>; readonly missing: ReadonlyArray<string> } => {
  const root = readPackageJson(path.join(absDir, "package.json"))
  const dirs = new Set<string>()
  const missing: Array<string> = []
  const visit = (pkgJson: PackageJson | undefined, fromDir: string) => {
    if (pkgJson === undefined) return
    const required = Object.keys(pkgJson.dependencies ?? {})
    const optional = Object.keys(pkgJson.optionalDependencies ?? {})
    for (const [name, isOptional] of [...required.map((n) => [n, false] as const), ...optional.map((n) => [n, true] as const)]) {
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
export const functionFiles = (absDir: string): { readonly files: ReadonlyArray<FunctionFile>; readonly missing: ReadonlyArray<string> } => {
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
${defaultHandler === undefined ? "" : `export _HANDLER="\${_HANDLER:-${defaultHandler.replace(/["\\$`]/g, "\\$&")}}"\n`}export LAMBDA_TASK_ROOT="\${LAMBDA_TASK_ROOT:-$dir}"
${heapSizing}
exec "$node" $heap "$dir/${RUNNER_NAME}"
`

/** @internal */
export interface DropInBuild {
  readonly absDir: string
  readonly outDir: string
  readonly target: "provided.al2023" | "image"
  /** The Node binary to ship (provided.al2023 without a layer). */
  readonly node: string | undefined
  readonly nodeNote: string
  readonly heapSizing: string
  readonly handler: string | undefined
  readonly dockerfile: (files: ReadonlyArray<string>) => string
}

/** @internal */
export interface DropInEntry {
  readonly name: string
  readonly source: { readonly file: string } | { readonly content: string }
  readonly mode: number
}

/**
 * The entries of a drop-in artefact: `bootstrap`, the runner, the function's files and
 * production packages, and (provided.al2023) the Node binary; plus the notes to print.
 *
 * @internal
 */
export const dropInEntries = (
  options: DropInBuild
): { readonly entries: ReadonlyArray<DropInEntry>; readonly notes: ReadonlyArray<string>; readonly runnerBytes: number } => {
  const runner = runnerFile()
  if (!fs.existsSync(runner)) throw new Error(`the drop-in runner ${runner} is missing: rebuild the CLI (pnpm build)`)
  const { files, missing } = functionFiles(options.absDir)
  const notes: Array<string> = []
  if (missing.length > 0) {
    notes.push(`dependencies not found in node_modules (run npm install --omit=dev first): ${missing.join(", ")}`)
  }
  const clash = files.find((f) => f.name === "bootstrap" || f.name === RUNNER_NAME || (options.node !== undefined && f.name === "node"))
  if (clash !== undefined) throw new Error(`the function has its own ${clash.name}, which the artefact needs for itself`)
  const boot = bootstrap(options.heapSizing, options.handler)
  const entries: Array<DropInEntry> = [
    { name: "bootstrap", source: { content: boot }, mode: 0o755 },
    { name: RUNNER_NAME, source: { file: runner }, mode: 0o644 },
    ...files.map((f) => ({ name: f.name, source: { file: f.file }, mode: f.mode }))
  ]
  if (options.node !== undefined) entries.push({ name: "node", source: { file: options.node }, mode: 0o755 })
  if (options.handler === undefined) notes.push("_HANDLER comes from the function's handler setting (no --handler default recorded)")
  notes.push(`${files.length} files of the function, ${productionPackages(options.absDir).dirs.length} production packages`)
  return { entries, notes, runnerBytes: fs.statSync(runner).size }
}
