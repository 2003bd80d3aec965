/** @internal */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as esbuild from "esbuild"
import * as http from "node:http"
import type * as net from "node:net"
import {
  BudgetExceeded,
  BundleFailed,
  EntryNotFound,
  type NodeFetchFailed,
  PackageFailed,
  SnapshotFailed
} from "../CliError.js"
import * as Artefact from "./artefact.js"
import * as DropIn from "./dropIn.js"
import esmRequireBanner from "./esmRequireBanner.json" with { type: "json" }
import { type Arch, NODE_VERSION, nodeBinary, runsHere } from "./nodeBinary.js"
import { buildSnapshot } from "./snapshot.js"
import { writeZip, type ZipEntry } from "./zip.js"

/** @internal */
export type Target = "provided.al2023" | "nodejs" | "image"

/** @internal */
export interface BuildOptions {
  /** As typed, for messages. */
  readonly dir: string
  readonly target: Target
  readonly arch: Arch
  /** Output directory; default `<dir>/build/lambda/<target>`. */
  readonly out: string | undefined
  readonly sourcemap: boolean
  /** Leave the Node binary out of a provided.al2023 zip (it comes from a layer). */
  readonly nodeLayer: boolean
  readonly compileCache: boolean
  /** Ship a V8 startup snapshot instead of the module (experimental; provided.al2023 only). */
  readonly snapshot: boolean
  /** Largest allowed bundle, in KB (1024 bytes). */
  readonly budgetKb: number | undefined
  /** `--handler`: default `_HANDLER` of a plain Node.js function (drop-in build). */
  readonly handler?: string | undefined
}

/** @internal */
export interface BuildResult {
  readonly outDir: string
  readonly bundleBytes: number
  /** What was written, with sizes, in the order printed. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number; readonly note?: string }>
  readonly notes: ReadonlyArray<string>
}

// An ESM bundle of CommonJS dependencies (undici, ...) needs a `require` of its own. The banner is
// JSON so that the CLI's own bundle script and the e2e soak (plain node) read this same one.
const BANNER = esmRequireBanner.js

interface Bundle {
  readonly code: Uint8Array
  readonly map: Uint8Array | undefined
}

const bundle = (
  path: Path.Path,
  absDir: string,
  shownDir: string,
  sourcemap: boolean
): Effect.Effect<Bundle, BundleFailed> =>
  Effect.tryPromise({
    try: () =>
      esbuild.build({
        entryPoints: [path.join(absDir, "src/main.ts")],
        absWorkingDir: absDir,
        outfile: path.join(absDir, "main.mjs"),
        write: false,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node22",
        minify: true,
        treeShaking: true,
        // platform "node" already leaves built-ins out; say it for the `node:` ones explicitly.
        external: ["node:*"],
        banner: { js: BANNER },
        legalComments: "none",
        sourcemap: sourcemap ? "linked" : false,
        // Positions only: the runtime maps stack frames to file:line:column, it never shows source.
        sourcesContent: false,
        logLevel: "silent"
      }),
    catch: (error) => {
      const first = (error as { errors?: ReadonlyArray<esbuild.Message> }).errors?.[0]
      const where = first?.location ? `${first.location.file}:${first.location.line}: ` : ""
      return new BundleFailed({
        dir: shownDir,
        reason: first ? `${where}${first.text}` : error instanceof Error ? error.message : String(error)
      })
    }
  }).pipe(
    Effect.map((result) => ({
      code: result.outputFiles.find((f) => f.path.endsWith(".mjs"))!.contents,
      map: result.outputFiles.find((f) => f.path.endsWith(".map"))?.contents
    }))
  )

/**
 * A Runtime API on 127.0.0.1 that never answers: resolves `nextSeen` when the function asks for
 * its first event. Closed, with every socket, when the scope closes.
 */
const silentRuntimeApi = Effect.gen(function*() {
  const nextSeen = yield* Deferred.make<void>()
  const server = yield* Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const server = http.createServer((req, res) => {
        if (req.url?.endsWith("/invocation/next")) Deferred.unsafeDone(nextSeen, Exit.void)
        // No Extensions API here: the runtime's internal extension gets a 404 and init goes on.
        else if (req.url?.startsWith("/2020-01-01/")) res.writeHead(404).end()
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
  return { port: (server.address() as net.AddressInfo).port, nextSeen: Deferred.await(nextSeen) }
})

/**
 * Starts the bundle on the artefact's own Node with `NODE_COMPILE_CACHE` against a Runtime API
 * on 127.0.0.1 that never answers `next`: init runs (so the functions it compiles are in the
 * cache) and the process is stopped as soon as it asks for its first event. No handler runs.
 * Resolves to the cache file, or the reason none could be made.
 */
const generateCompileCache = (node: string, stageDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const cacheDir = yield* fs.makeTempDirectoryScoped({ directory: stageDir, prefix: ".compile-cache-" })
    const api = yield* silentRuntimeApi
    const child = yield* Command.make(node, path.join(stageDir, "main.mjs")).pipe(
      Command.workingDirectory(stageDir),
      Command.stdin(Stream.empty),
      Command.env({
        PATH: process.env.PATH ?? "",
        NODE_COMPILE_CACHE: cacheDir,
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${api.port}`,
        AWS_LAMBDA_FUNCTION_NAME: "effect-lambda-build",
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
        AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/effect-lambda-build",
        AWS_LAMBDA_LOG_STREAM_NAME: "build",
        AWS_LAMBDA_LOG_LEVEL: "FATAL",
        AWS_REGION: "us-east-1",
        LAMBDA_TASK_ROOT: stageDir
      }, { extendEnv: false }),
      Command.start
    )
    const stderr = yield* Ref.make("")
    yield* child.stderr.pipe(
      Stream.decodeText(),
      Stream.runForEach((d) => Ref.update(stderr, (s) => (s + d).slice(-2000))),
      Effect.fork
    )
    yield* Stream.runDrain(child.stdout).pipe(Effect.ignore, Effect.fork)
    const outcome = yield* Effect.raceAll([
      Effect.as(api.nextSeen, "next" as const),
      Effect.as(Effect.ignore(child.exitCode), "exited" as const),
      Effect.as(Effect.sleep("15 seconds"), "timeout" as const)
    ])
    // SIGTERM, not SIGKILL: Node writes the cache when the process exits normally, which the
    // runtime does on SIGTERM. SIGKILL if it has not gone within 5 s.
    yield* child.kill("SIGTERM").pipe(
      Effect.timeout("5 seconds"),
      Effect.catchAll(() => child.kill("SIGKILL")),
      Effect.ignore
    )
    if (outcome !== "next") {
      const last = (yield* Ref.get(stderr)).trim().split("\n").pop() ?? ""
      return {
        skipped: `the function ${
          outcome === "timeout" ? "did not ask for an event within 15 s" : `exited during init: ${last}`
        }`
      } as const
    }
    const entries = yield* fs.readDirectory(cacheDir, { recursive: true })
    const files: Array<string> = []
    for (const entry of entries) {
      if ((yield* fs.stat(path.join(cacheDir, entry))).type === "File") files.push(entry)
    }
    if (files.length !== 1) return { skipped: `Node wrote ${files.length} cache files, expected 1` } as const
    const file = path.join(stageDir, "main.mjs.ccache")
    yield* fs.rename(path.join(cacheDir, files[0]!), file)
    return { file } as const
  }).pipe(Effect.scoped)

const kb = (bytes: number) => bytes / 1024

const writeError = (target: string) => (error: PlatformError.PlatformError) =>
  new PackageFailed({ path: target, reason: error.message })

/**
 * `effect-lambda build`: bundle `src/main.ts` and package it for one Lambda target. Every
 * intermediate file lives in a temporary directory removed with the build's scope, and every
 * process it starts is stopped with it, whether the build succeeds, fails or is interrupted.
 *
 * @internal
 */
export const build = (
  options: BuildOptions
): Effect.Effect<
  BuildResult,
  EntryNotFound | BundleFailed | BudgetExceeded | PackageFailed | NodeFetchFailed | SnapshotFailed,
  FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absDir = path.resolve(options.dir)
    const info = yield* fs.stat(absDir).pipe(Effect.option)
    if (Option.isNone(info) || info.value.type !== "Directory") {
      return yield* new EntryNotFound({ dir: options.dir, reason: "no-dir" })
    }
    if (!(yield* fs.exists(path.join(absDir, "src/main.ts")).pipe(Effect.orElseSucceed(() => false)))) {
      // A plain Node.js function: packaged with the drop-in runner, not bundled.
      if (DropIn.isPlainFunction(absDir)) {
        return yield* DropIn.build({
          dir: options.dir,
          absDir,
          outDir: path.resolve(options.out ?? path.join(absDir, "build", "lambda", options.target)),
          target: options.target,
          arch: options.arch,
          nodeLayer: options.nodeLayer,
          handler: options.handler
        })
      }
      return yield* new EntryNotFound({ dir: options.dir, reason: "no-entry" })
    }
    // The map always ships: the runtime reads it at the first error only (no cold-start cost);
    // `--sourcemap` adds Node's eager --enable-source-maps on top.
    const bundled = yield* bundle(path, absDir, options.dir, true)
    const bundleBytes = bundled.code.byteLength
    if (options.budgetKb !== undefined && kb(bundleBytes) > options.budgetKb) {
      return yield* new BudgetExceeded({
        dir: options.dir,
        sizeKb: Math.round(kb(bundleBytes) * 10) / 10,
        budgetKb: options.budgetKb
      })
    }
    if (options.snapshot && options.target !== "provided.al2023") {
      return yield* new SnapshotFailed({
        reason: "only with --target provided.al2023 (the blob runs only on the Node binary that made it)"
      })
    }
    if (options.snapshot && !runsHere(options.arch)) {
      return yield* new SnapshotFailed({
        reason: `the ${options.arch} Node binary cannot run on this machine to build it`
      })
    }
    const outDir = path.resolve(options.out ?? path.join(absDir, "build", "lambda", options.target))
    const notes: Array<string> = []
    const stage = yield* fs.makeTempDirectoryScoped({ prefix: "effect-lambda-build-" }).pipe(
      Effect.mapError(writeError("a temporary directory"))
    )
    const size = (file: string) =>
      fs.stat(file).pipe(Effect.map((i) => Number(i.size)), Effect.mapError(writeError(file)))
    yield* fs.makeDirectory(outDir, { recursive: true }).pipe(Effect.mapError(writeError(outDir)))
    yield* fs.writeFile(path.join(stage, "main.mjs"), bundled.code).pipe(Effect.mapError(writeError(stage)))
    if (bundled.map !== undefined) {
      yield* fs.writeFile(path.join(stage, "main.mjs.map"), bundled.map).pipe(Effect.mapError(writeError(stage)))
    }
    const entries: Array<ZipEntry> = []
    const files: Array<{ path: string; bytes: number; note?: string }> = []
    let node: string | undefined
    if (options.target === "provided.al2023" && !options.nodeLayer) node = yield* nodeBinary(options.arch)
    if (options.snapshot) {
      // The snapshot holds the evaluated bundle: main.mjs itself is not shipped.
      const blob = yield* buildSnapshot(node ?? (yield* nodeBinary(options.arch)), absDir, stage)
      entries.push({ name: "snapshot.blob", source: { file: blob }, mode: 0o644 })
      files.push({
        path: "snapshot.blob",
        bytes: yield* size(blob),
        note: `V8 startup snapshot, Node ${NODE_VERSION} (bundle ${kb(bundleBytes).toFixed(1)} KB)`
      })
      notes.push(
        "--snapshot is experimental: module-level state (values computed at load, e.g. Date.now()) is frozen into the blob"
      )
    } else {
      entries.push({ name: "main.mjs", source: { file: path.join(stage, "main.mjs") }, mode: 0o644 })
      files.push({ path: "main.mjs", bytes: bundleBytes, note: "bundle" })
      if (bundled.map !== undefined) {
        entries.push({ name: "main.mjs.map", source: { file: path.join(stage, "main.mjs.map") }, mode: 0o644 })
        files.push({ path: "main.mjs.map", bytes: bundled.map.byteLength })
      }
    }

    // The code cache is only valid for the exact Node binary that made it: the pinned one.
    const wantsCache = options.compileCache && options.target !== "image" && !options.snapshot
    let compileCache = false
    if (wantsCache) {
      if (!runsHere(options.arch)) {
        notes.push(`no compile cache: the ${options.arch} Node binary cannot run on this machine to generate it`)
      } else {
        const generator = node ?? (yield* nodeBinary(options.arch))
        const made = yield* generateCompileCache(generator, stage).pipe(
          Effect.catchAll((error) => Effect.succeed({ skipped: error.message } as const))
        )
        if ("file" in made) {
          compileCache = true
          entries.push({ name: "main.mjs.ccache", source: { file: made.file }, mode: 0o644 })
          entries.push({ name: "start.mjs", source: { content: Artefact.startModule }, mode: 0o644 })
          files.push({
            path: "main.mjs.ccache",
            bytes: yield* size(made.file),
            note: `V8 code cache, Node ${NODE_VERSION}`
          })
          files.push({ path: "start.mjs", bytes: Buffer.byteLength(Artefact.startModule) })
          if (options.target === "nodejs") {
            notes.push(`the compile cache is used only if the managed runtime runs Node ${NODE_VERSION} exactly`)
          }
        } else {
          notes.push(`no compile cache: ${made.skipped}`)
        }
      }
    }
    const scripts = { compileCache, sourcemap: options.sourcemap, snapshot: options.snapshot }

    switch (options.target) {
      case "provided.al2023": {
        const boot = Artefact.bootstrap(scripts)
        entries.unshift({ name: "bootstrap", source: { content: boot }, mode: 0o755 })
        files.unshift({ path: "bootstrap", bytes: Buffer.byteLength(boot) })
        if (node !== undefined) {
          entries.push({ name: "node", source: { file: node }, mode: 0o755 })
          files.push({ path: "node", bytes: yield* size(node), note: `Node ${NODE_VERSION} linux ${options.arch}` })
        } else {
          notes.push(
            `no Node binary in the zip: attach a layer whose bin/node is Node ${NODE_VERSION} for ${options.arch} (see the README)`
          )
        }
        const zipFile = path.join(outDir, "function.zip")
        const bytes = yield* writeZip(zipFile, entries)
        return { outDir, bundleBytes, files: [...files, { path: zipFile, bytes, note: "zip" }], notes }
      }
      case "nodejs": {
        const wrapper = Artefact.execWrapper(scripts)
        entries.unshift({ name: "effect-lambda-wrapper", source: { content: wrapper }, mode: 0o755 })
        files.unshift({ path: "effect-lambda-wrapper", bytes: Buffer.byteLength(wrapper) })
        notes.push(
          "set AWS_LAMBDA_EXEC_WRAPPER=/var/task/effect-lambda-wrapper on the function (runtime nodejs22.x or nodejs24.x; any handler name)"
        )
        const zipFile = path.join(outDir, "function.zip")
        const bytes = yield* writeZip(zipFile, entries)
        return { outDir, bundleBytes, files: [...files, { path: zipFile, bytes, note: "zip" }], notes }
      }
      case "image": {
        const boot = Artefact.bootstrap(scripts)
        const copied = entries.map((e) => e.name)
        const docker = Artefact.dockerfile(["bootstrap", ...copied])
        yield* Effect.gen(function*() {
          yield* fs.writeFileString(path.join(outDir, "bootstrap"), boot, { mode: 0o755 })
          yield* fs.chmod(path.join(outDir, "bootstrap"), 0o755)
          for (const e of entries) {
            if ("file" in e.source) yield* fs.copyFile(e.source.file, path.join(outDir, e.name))
            else if (typeof e.source.content === "string") {
              yield* fs.writeFileString(path.join(outDir, e.name), e.source.content)
            } else yield* fs.writeFile(path.join(outDir, e.name), e.source.content)
          }
          yield* fs.writeFileString(path.join(outDir, "Dockerfile"), docker)
        }).pipe(Effect.mapError(writeError(outDir)))
        const written = [
          { path: path.join(outDir, "Dockerfile"), bytes: Buffer.byteLength(docker) },
          { path: "bootstrap", bytes: Buffer.byteLength(boot) }
        ]
        notes.push(`docker build --platform linux/${options.arch === "arm64" ? "arm64" : "amd64"} -t <name> ${outDir}`)
        return { outDir, bundleBytes, files: [...written, ...files], notes }
      }
    }
  }).pipe(Effect.scoped)

/**
 * The lines `effect-lambda build` prints: one per file with its size, then the notes.
 *
 * @internal
 */
export const report = (path: Path.Path, options: BuildOptions, result: BuildResult): string => {
  const size = (bytes: number) =>
    bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${kb(bytes).toFixed(1)} KB`
  const budget = options.budgetKb === undefined ? "" : ` (budget ${options.budgetKb} KB)`
  const shown = (p: string) => (path.isAbsolute(p) ? path.relative(process.cwd(), p) || "." : p)
  const lines = [
    `effect-lambda: built ${options.dir} for ${options.target} (${options.arch}) in ${shown(result.outDir)}${budget}`
  ]
  for (const f of result.files) {
    lines.push(`  ${shown(f.path).padEnd(22)} ${size(f.bytes).padStart(9)}${f.note === undefined ? "" : `  ${f.note}`}`)
  }
  for (const n of result.notes) lines.push(`  note: ${n}`)
  return lines.join("\n")
}
