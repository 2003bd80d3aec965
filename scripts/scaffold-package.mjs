// Lays out a workspace package the same way every time: package.json,
// tsconfig.{json,src.json,test.json}, vitest.config.ts and CHANGELOG.md.
// Usage: node scripts/scaffold-package.mjs <dir> <name> <refs-comma-separated> [--example]
//
// How a published package is laid out (README "Adding a package"):
// - the workspace manifest's `exports` point at `src/*.ts`, so vitest and `tsc -b` run on sources;
// - `tsc -b tsconfig.src.json` (its `build` script, and `pnpm check`) writes dist/: .js, .d.ts
//   and their source maps; `files` ships dist/ and src/ (what the maps point at);
// - `publishConfig` holds the packed `exports`/`main`/`types` (pnpm swaps them in when it packs);
// - `prepack` runs scripts/check-package.mjs, which refuses a pack whose entries are missing;
// - `effect` and `@effect/*` are peerDependencies (and devDependencies for the workspace), as are
//   the @effect-lambda packages whose services/tags a user shares (`runtime`); workspace
//   dependencies use `workspace:^`;
// - add it to the root tsconfig.json references; `.changeset/config.json` versions every
//   @effect-lambda/* package together, and the journey test publishes whatever is not private.
import * as fs from "node:fs"
import * as path from "node:path"

const [dir, name, refsArg = "", flag] = process.argv.slice(2)
const refs = refsArg ? refsArg.split(",") : []
const example = flag === "--example"
const rel = (p) => path.relative(dir, p)
const write = (file, value) => {
  const target = path.join(dir, file)
  if (fs.existsSync(target)) return
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.writeFileSync(target, typeof value === "string" ? value : JSON.stringify(value, null, 2) + "\n")
}
write("tsconfig.json", {
  extends: rel("tsconfig.base.json"),
  include: [],
  references: [{ path: "tsconfig.src.json" }, { path: "tsconfig.test.json" }]
})
write("tsconfig.src.json", {
  extends: rel("tsconfig.base.json"),
  include: ["src"],
  compilerOptions: {
    rootDir: "src",
    outDir: example ? "build/src" : "dist",
    tsBuildInfoFile: "build/tsbuildinfo/src.tsbuildinfo"
  },
  references: refs.map((r) => ({ path: rel(path.join(r, "tsconfig.src.json")) }))
})
write("tsconfig.test.json", {
  extends: rel("tsconfig.base.json"),
  include: ["test"],
  compilerOptions: {
    rootDir: "test",
    outDir: "build/test",
    tsBuildInfoFile: "build/tsbuildinfo/test.tsbuildinfo",
    noEmit: false
  },
  references: [{ path: "tsconfig.src.json" }]
})
write(
  "vitest.config.ts",
  `import { mergeConfig } from "vitest/config"
import shared from "${rel("vitest.shared.ts").replace(/\.ts$/, ".js")}"

export default mergeConfig(shared, { test: { name: ${JSON.stringify(name)} } })
`
)
if (!example) {
  write("package.json", {
    name,
    version: "0.1.0",
    license: "MIT",
    type: "module",
    sideEffects: false,
    exports: { ".": "./src/index.ts", "./*": "./src/*.ts", "./internal/*": null },
    files: ["dist", "src", "!**/*.tsbuildinfo"],
    publishConfig: {
      access: "public",
      main: "./dist/index.js",
      types: "./dist/index.d.ts",
      exports: {
        "./package.json": "./package.json",
        ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
        "./*": { types: "./dist/*.d.ts", default: "./dist/*.js" },
        "./internal/*": null
      }
    },
    scripts: { build: "tsc -b tsconfig.src.json", prepack: "node ../../scripts/check-package.mjs" },
    peerDependencies: { effect: "^3.22.4" },
    dependencies: {},
    devDependencies: { effect: "^3.22.4" }
  })
  write("CHANGELOG.md", `# ${name}\n`)
}
