// Runs after `changeset version` (root `pnpm version`): the CLI's bundle cannot read its
// package.json at run time, so its version (shown by --version and written by `new` as the
// range of every @effect-lambda package) lives in src/internal/version.ts.
import * as fs from "node:fs"

const root = new URL("../", import.meta.url)
const { version } = JSON.parse(fs.readFileSync(new URL("packages/cli/package.json", root), "utf8"))
const file = new URL("packages/cli/src/internal/version.ts", root)
const before = fs.readFileSync(file, "utf8")
const after = before.replace(/export const version = "[^"]*"/, `export const version = ${JSON.stringify(version)}`)
if (!after.includes(JSON.stringify(version))) {
  throw new Error(`${file.pathname}: no \`export const version = "..."\` to update`)
}
if (after !== before) fs.writeFileSync(file, after)
process.stdout.write(`packages/cli/src/internal/version.ts: ${version}\n`)
