// Bundles test entries as the CLI ships a function: ESM for node20 with the CLI's own createRequire
// banner (its one home: packages/cli/src/internal/esmRequireBanner.json), so bundled CommonJS
// dependencies can `require`.
import * as esbuild from "esbuild"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))

const banner = (JSON.parse(
  readFileSync(join(here, "../../../cli/src/internal/esmRequireBanner.json"), "utf8")
) as { readonly js: string }).js

/** Bundles the TypeScript `contents` (imports resolved from `resolveDir`) to `outfile`; resolves to that path. */
export const bundle = (options: {
  readonly contents: string
  readonly resolveDir: string
  readonly outfile: string
  /** Whitespace and syntax, identifiers kept (see userFunctionRuntime's processor classes). */
  readonly minify?: boolean
}): Promise<string> =>
  esbuild.build({
    stdin: { contents: options.contents, resolveDir: options.resolveDir, loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: options.outfile,
    minifyWhitespace: options.minify ?? false,
    minifySyntax: options.minify ?? false,
    logLevel: "warning",
    banner: { js: banner }
  }).then(() => options.outfile)

/** The drop-in runner (`NodeHandler.runMain`), minified as the CLI ships it. */
export const bundleRunner = (outfile: string): Promise<string> =>
  bundle({
    contents: `import { runMain } from ${JSON.stringify(join(here, "../../src/NodeHandler.ts"))}\nrunMain()\n`,
    resolveDir: here,
    outfile,
    minify: true
  })
