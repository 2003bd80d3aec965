/**
 * `effect-lambda build --snapshot` (experimental): a V8 startup snapshot of the function after
 * its modules are evaluated, so a cold start deserializes the heap instead of compiling and
 * running the bundle's top level.
 *
 * How: the function is bundled a second time as one CommonJS script (what `node
 * --build-snapshot` accepts) whose prelude installs the runtime's start hook
 * (`LambdaRuntime.startHook`), so `LambdaRuntime.runMain` does not start the loop but hands its
 * start to `v8.startupSnapshot.setDeserializeMainFunction`; the pinned Node binary runs that
 * script and writes the blob; `bootstrap` starts `node --snapshot-blob`. The runtime reseeds
 * Effect's `Random` when it starts from the snapshot.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as esbuild from "esbuild"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { SnapshotFailed } from "../CliError.js"

// The key of `LambdaRuntime.startHook` in @effect-lambda/runtime (a `Symbol.for` key, so the
// two packages share it without the CLI importing the runtime).
const START_HOOK = "@effect-lambda/runtime/LambdaRuntime/startHook"

/**
 * Runs before the bundle in the snapshot builder.
 *
 * - Node 22's snapshot builder aborts (`std::length_error`) on an Error object whose stack is
 *   not formatted yet, and Effect makes such Errors at module load (`Context.Tag` keeps one to
 *   show where a tag was defined). Errors made while the snapshot is built have their stack
 *   formatted at once; the originals are put back before the function starts.
 * - It installs the runtime's start hook (`LambdaRuntime.startHook`): `runMain` hands the start
 *   of the runtime to it, and it becomes the snapshot's main function.
 */
const PRELUDE = `{const E=Error,c=E.captureStackTrace,k=Symbol.for(${JSON.stringify(START_HOOK)});` +
  `globalThis.Error=new Proxy(E,{construct(t,a,n){const e=Reflect.construct(t,a,n);e.stack;return e}});` +
  `E.captureStackTrace=function(o,f){c.call(E,o,f);o.stack};` +
  `globalThis[k]=(s)=>{delete globalThis[k];require("node:v8").startupSnapshot.setDeserializeMainFunction(()=>{globalThis.Error=E;E.captureStackTrace=c;s()})}}`

// Runs after the bundle's top level: the hook removes itself when `runMain` calls it.
const FOOTER = `if(typeof globalThis[Symbol.for(${
  JSON.stringify(START_HOOK)
})]==="function")throw new Error("the bundle does not call LambdaRuntime.runMain of @effect-lambda/runtime (a version with LambdaRuntime.startHook) at its top level")`

/**
 * Bundles `<absDir>/src/main.ts` for the snapshot and builds `snapshot.blob` in `stageDir` with
 * `node`. Resolves to the blob's path.
 *
 * @internal
 */
export const buildSnapshot = (node: string, absDir: string, stageDir: string): Effect.Effect<string, SnapshotFailed> =>
  Effect.tryPromise({
    try: async () => {
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
        footer: { js: FOOTER },
        logLevel: "silent"
      })
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
