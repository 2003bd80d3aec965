// Bundles src/bin.ts into the executable dist/bin.mjs that the `effect-lambda` bin points at.
import * as esbuild from "esbuild"
import { chmodSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import esmRequireBanner from "../src/internal/esmRequireBanner.json" with { type: "json" }

const root = fileURLToPath(new URL("..", import.meta.url))
// `node scripts/bundle.mjs [entry outfile]`: the CLI by default; the e2e soak bundles its own entry
// the same way (one home for the options below).
// Only when run as a script: the in-repo launcher (bin/effect-lambda.mjs) imports this module while
// process.argv holds the CLI's own arguments (`invoke examples/hello ...`), which are not files.
const asScript = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
const [entry, outfile] = asScript && process.argv.length > 3
  ? [path.resolve(process.argv[2]), path.resolve(process.argv[3])]
  : [`${root}src/bin.ts`, `${root}dist/bin.mjs`]
const shebang = "#!/usr/bin/env node\n"

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // esbuild is a native package that `effect-lambda build` drives at run time: never bundle it.
  external: ["esbuild"],
  // A CJS dependency that reaches `require` (e.g. through a barrel import) would otherwise
  // crash the ESM bundle with "Dynamic require of ... is not supported".
  banner: { js: `${shebang}${esmRequireBanner.js}` },
  legalComments: "none",
  logLevel: "warning"
})
chmodSync(outfile, 0o755)

// The drop-in runner that `effect-lambda build` ships with a plain Node.js function (and that
// `invoke|start|watch` start for a folder without a bootstrap): @effect-lambda/runtime's
// NodeHandler.runMain, self-contained, so the published CLI needs no runtime dependency for it.
await esbuild.build({
  stdin: {
    contents: `import { runMain } from "../runtime/src/NodeHandler.ts"\nrunMain()\n`,
    resolveDir: root,
    sourcefile: "dropin-entry.ts",
    loader: "ts"
  },
  outfile: `${root}dist/dropin.mjs`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Identifiers are not minified: V8 names the user's stack frames after the runner's classes
  // (`at BufferedInvokeProcessor.handler`), as under AWS's client.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning"
})
