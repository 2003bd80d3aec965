/**
 * `effect-lambda build --snapshot` (experimental): a V8 startup snapshot of the function after
 * its modules are evaluated, so a cold start deserializes the heap instead of compiling and
 * running the bundle's top level.
 *
 * How: the function is bundled a second time as one CommonJS script (what `node
 * --build-snapshot` accepts) in which `LambdaRuntime.runMain` does not start the loop but
 * registers it with `v8.startupSnapshot.setDeserializeMainFunction`; the pinned Node binary runs
 * that script and writes the blob; `bootstrap` starts `node --snapshot-blob`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as esbuild from "esbuild"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { SnapshotFailed } from "../CliError.js"

/**
 * Runs before the bundle in the snapshot builder.
 *
 * - Node 22's snapshot builder aborts (`std::length_error`) on an Error object whose stack is
 *   not formatted yet, and Effect makes such Errors at module load (`Context.Tag` keeps one to
 *   show where a tag was defined). Errors made while the snapshot is built have their stack
 *   formatted at once; the originals are put back before the function starts.
 * - `runMain` hands its start to `__effectLambdaDefer` (see `deferRunMain`).
 */
const PRELUDE = `{const E=Error,c=E.captureStackTrace;globalThis.Error=new Proxy(E,{construct(t,a,n){const e=Reflect.construct(t,a,n);e.stack;return e}});E.captureStackTrace=function(o,f){c.call(E,o,f);o.stack};globalThis.__effectLambdaDefer=(s)=>require("node:v8").startupSnapshot.setDeserializeMainFunction(()=>{globalThis.Error=E;E.captureStackTrace=c;delete globalThis.__effectLambdaDefer;s()})}`

const RUN_MAIN = "export const runMain ="

// Effect seeds its default Random service once, at module load: in a snapshot that seed would be
// the same in every sandbox (Math.random itself is reseeded by V8). Reseed it before starting.
const reseed = (typed: boolean) =>
  `try { const r = __effectLambdaEffect.runSync(__effectLambdaEffect.random)${typed ? " as any" : ""}; r.PRNG?.setState?.(new __effectLambdaUtils.PCGRandom((Math.random() * 4294967296) >>> 0).getState()) } catch {}`

// Rewrites @effect-lambda/runtime's LambdaRuntime module so that `runMain` defers to the
// snapshot's main function when the prelude asks for it, and runs as usual otherwise.
const deferRunMain = (found: { value: boolean }): esbuild.Plugin => ({
  name: "effect-lambda-defer-run-main",
  setup(build) {
    build.onLoad({ filter: /[\\/]runtime[\\/](src|dist|build[\\/]esm)[\\/]LambdaRuntime\.(ts|js|mjs)$/ }, (args) => {
      const source = fs.readFileSync(args.path, "utf8")
      if (!source.includes(RUN_MAIN)) return undefined
      found.value = true
      const typed = args.path.endsWith(".ts")
      const any = typed ? ": any[]" : ""
      const cast = typed ? " as typeof __effectLambdaRunMain" : ""
      return {
        contents: `import * as __effectLambdaEffect from "effect/Effect"\nimport * as __effectLambdaUtils from "effect/Utils"\n` +
          source.replace(RUN_MAIN, "const __effectLambdaRunMain =") +
          `\nexport const runMain = ((...args${any}) => {
  const defer = (globalThis${typed ? " as any" : ""}).__effectLambdaDefer
  if (defer) defer(() => { ${reseed(typed)}; (__effectLambdaRunMain${typed ? " as any" : ""})(...args) })
  else (__effectLambdaRunMain${typed ? " as any" : ""})(...args)
})${cast}\n`,
        loader: typed ? "ts" : "js"
      }
    })
  }
})

/**
 * Bundles `<absDir>/src/main.ts` for the snapshot and builds `snapshot.blob` in `stageDir` with
 * `node`. Resolves to the blob's path.
 *
 * @internal
 */
export const buildSnapshot = (node: string, absDir: string, stageDir: string): Effect.Effect<string, SnapshotFailed> =>
  Effect.tryPromise({
    try: async () => {
      const found = { value: false }
      const entry = path.join(stageDir, "snapshot-entry.cjs")
      await esbuild.build({
        entryPoints: [path.join(absDir, "src/main.ts")],
        absWorkingDir: absDir,
        outfile: entry,
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node22",
        minify: true,
        legalComments: "none",
        banner: { js: PRELUDE },
        plugins: [deferRunMain(found)],
        logLevel: "silent"
      })
      if (!found.value) throw new Error("the bundle does not call LambdaRuntime.runMain of @effect-lambda/runtime")
      const blob = path.join(stageDir, "snapshot.blob")
      await new Promise<void>((resolve, reject) =>
        execFile(node, ["--snapshot-blob", blob, "--build-snapshot", entry], {
          cwd: stageDir,
          env: { PATH: process.env.PATH ?? "" },
          maxBuffer: 16 * 1024 * 1024
        }, (error, _stdout, stderr) => {
          if (error === null) return resolve()
          const detail = stderr.trim().split("\n").find((l) => /error|what\(\)/i.test(l)) ?? error.message
          reject(new Error(`node --build-snapshot failed: ${detail.trim()}`))
        })
      )
      fs.rmSync(entry)
      return blob
    },
    catch: (error) => new SnapshotFailed({ reason: error instanceof Error ? error.message : String(error) })
  })
