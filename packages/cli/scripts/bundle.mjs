// Bundles src/bin.ts into the executable dist/bin.mjs that the `effect-lambda` bin points at.
import * as esbuild from "esbuild"
import { chmodSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const outfile = `${root}dist/bin.mjs`

await esbuild.build({
  entryPoints: [`${root}src/bin.ts`],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // esbuild is a native package that `effect-lambda build` drives at run time: never bundle it.
  external: ["esbuild"],
  // A CJS dependency that reaches `require` (e.g. through a barrel import) would otherwise
  // crash the ESM bundle with "Dynamic require of ... is not supported".
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __effectLambdaCreateRequire } from \"node:module\";\nconst require = __effectLambdaCreateRequire(import.meta.url);"
  },
  legalComments: "none",
  logLevel: "warning",
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
