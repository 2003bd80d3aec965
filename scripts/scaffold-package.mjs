// One-off helper used to lay out a workspace package the same way every time:
// package.json, tsconfig.{json,src.json,test.json} and vitest.config.ts.
// Usage: node scripts/scaffold-package.mjs <dir> <name> <refs-comma-separated> [--example]
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
  compilerOptions: { rootDir: "src", outDir: "build/src", tsBuildInfoFile: "build/tsbuildinfo/src.tsbuildinfo" },
  references: refs.map((r) => ({ path: rel(path.join(r, "tsconfig.src.json")) }))
})
write("tsconfig.test.json", {
  extends: rel("tsconfig.base.json"),
  include: ["test"],
  compilerOptions: { rootDir: "test", outDir: "build/test", tsBuildInfoFile: "build/tsbuildinfo/test.tsbuildinfo", noEmit: false },
  references: [{ path: "tsconfig.src.json" }]
})
write("vitest.config.ts", `import { mergeConfig } from "vitest/config"
import shared from "${rel("vitest.shared.ts").replace(/\.ts$/, ".js")}"

export default mergeConfig(shared, { test: { name: ${JSON.stringify(name)} } })
`)
if (!example) {
  write("package.json", {
    name, version: "0.1.0", type: "module", license: "MIT",
    exports: { ".": "./src/index.ts", "./*": "./src/*.ts", "./internal/*": null },
    dependencies: {}, devDependencies: {}
  })
}
