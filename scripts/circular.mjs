// Fails when a package's src has an import cycle (as Effect's own `pnpm circular`): a cycle makes
// module initialisation order-dependent and usually means two modules want one home.
// Type-only imports are skipped: they vanish at runtime.
import madge from "madge"
import * as fs from "node:fs"
import * as path from "node:path"

const roots = ["packages", "examples"].flatMap((dir) =>
  fs.readdirSync(dir).map((name) => path.join(dir, name, "src")).filter((src) => fs.existsSync(src))
)

const result = await madge(roots, {
  fileExtensions: ["ts"],
  excludeRegExp: [/\.d\.ts$/],
  tsConfig: "tsconfig.base.json",
  detectiveOptions: { ts: { skipTypeImports: true }, tsx: { skipTypeImports: true } }
})
const cycles = result.circular()
// Workspace packages are not followed (tsc -b's project references already forbid cycles between
// packages); any other import madge cannot resolve means the check is blind to part of the graph.
const unresolved = result.warnings().skipped.filter((name) => !name.startsWith("@effect-lambda/"))
if (unresolved.length > 0) {
  console.error(`circular: ${unresolved.length} import(s) could not be resolved:\n  ${unresolved.join("\n  ")}`)
  process.exit(1)
}
if (cycles.length > 0) {
  console.error(`circular: ${cycles.length} import cycle(s):`)
  for (const cycle of cycles) console.error(`  ${cycle.join(" -> ")}`)
  process.exit(1)
}
console.log(`circular: no import cycle in ${Object.keys(result.obj()).length} modules`)
