/** @internal */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { build, report } from "./build.js"
import { typecheck } from "./typecheck.js"

/**
 * `effect-lambda build <function-dir>`: bundle the function and package it for Lambda.
 *
 * @internal
 */
export const buildCommand = Command.make(
  "build",
  {
    functionDir: Args.text({ name: "function-dir" }).pipe(
      Args.withDescription("Directory of the function: its src/main.ts calls LambdaRuntime.runMain")
    ),
    target: Options.choice("target", ["provided.al2023", "nodejs", "image"]).pipe(
      Options.withDescription(
        "provided.al2023: function.zip with bootstrap and Node; nodejs: function.zip for nodejs22.x/24.x with an AWS_LAMBDA_EXEC_WRAPPER script; image: a Dockerfile and its files"
      ),
      Options.withDefault("provided.al2023" as const)
    ),
    arch: Options.choice("arch", ["x86_64", "arm64"]).pipe(
      Options.withDescription("Architecture of the function (the Node binary shipped with provided.al2023)"),
      Options.withDefault("x86_64" as const)
    ),
    out: Options.text("out").pipe(
      Options.withAlias("o"),
      Options.withPseudoName("dir"),
      Options.withDescription("Output directory (default <function-dir>/build/lambda/<target>)"),
      Options.optional
    ),
    sourcemap: Options.boolean("sourcemap").pipe(
      Options.withDescription(
        "Also start Node with --enable-source-maps (main.mjs.map always ships and the runtime maps stack traces at the first error; this maps eagerly: slower cold start)"
      )
    ),
    nodeLayer: Options.boolean("node-layer").pipe(
      Options.withDescription("provided.al2023 without the Node binary: it comes from a layer (bin/node)")
    ),
    compileCache: Options.boolean("compile-cache").pipe(
      Options.withDescription(
        "Experimental: generate and ship Node's V8 code cache for the bundle (measured slower than none on an idle machine: see BENCHMARKS.md)"
      )
    ),
    snapshot: Options.boolean("snapshot").pipe(
      Options.withDescription(
        "Experimental: ship a V8 startup snapshot of the initialised bundle (provided.al2023, machine's own arch)"
      )
    ),
    noTypecheck: Options.boolean("no-typecheck").pipe(
      Options.withDescription("Build even when the function does not type-check (its tsconfig.json, with its own tsc)")
    ),
    budget: Options.integer("budget").pipe(
      Options.withPseudoName("KB"),
      Options.withDescription("Fail when the bundle is larger than this many KB"),
      Options.filterMap((n) => (n > 0 ? Option.some(n) : Option.none()), "--budget must be a positive number of KB"),
      Options.optional
    ),
    handler: Options.text("handler").pipe(
      Options.withPseudoName("file.export"),
      Options.withDescription("Plain Node.js function (no src/main.ts): the _HANDLER used when Lambda sets none"),
      Options.optional
    )
  },
  (args) =>
    Effect.gen(function*() {
      const options = {
        dir: args.functionDir,
        target: args.target,
        arch: args.arch,
        out: Option.getOrUndefined(args.out),
        sourcemap: args.sourcemap,
        nodeLayer: args.nodeLayer,
        compileCache: args.compileCache,
        snapshot: args.snapshot,
        budgetKb: Option.getOrUndefined(args.budget),
        handler: Option.getOrUndefined(args.handler)
      }
      if (!args.noTypecheck) {
        const path = yield* Path.Path
        yield* typecheck(path.resolve(args.functionDir), args.functionDir).pipe(
          Effect.tapError((failed) => Effect.forEach(failed.errors, (line) => Console.error(line)))
        )
      }
      const result = yield* build(options)
      yield* Console.log(report(yield* Path.Path, options, result))
    })
).pipe(
  Command.withDescription(
    "Bundle the function with esbuild (or, for a plain Node.js folder, add the drop-in runner) and package it for AWS Lambda"
  )
)
