#!/usr/bin/env node
// The `effect-lambda` command inside this repository (`pnpm effect-lambda ...`,
// `pnpm exec effect-lambda ...`): bundles dist/bin.mjs when it is missing or older than the
// sources it is made of, then runs it. The published package's bin is dist/bin.mjs itself
// (publishConfig.bin), so none of this ships. It is a checked-in file because pnpm links a
// bin only if its target exists at install time, before anything is built.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"

const cliDir = fileURLToPath(new URL("..", import.meta.url))
const packagesDir = fileURLToPath(new URL("../..", import.meta.url))
const bundle = `${cliDir}dist/bin.mjs`

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs
  } catch {
    return -1
  }
}

const newest = (dir) => {
  let max = -1
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true })
  } catch {
    return max
  }
  for (const entry of entries) {
    if (entry.isFile()) max = Math.max(max, mtime(`${entry.parentPath ?? entry.path}/${entry.name}`))
  }
  return max
}

// The bundle is made of this package's sources and those of the workspace packages it lists.
const manifest = JSON.parse(readFileSync(`${cliDir}package.json`, "utf8"))
const sourceDirs = [`${cliDir}src`, `${cliDir}scripts`]
for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
  if (String(range).startsWith("workspace:")) {
    sourceDirs.push(`${packagesDir}${name.replace(/^@effect-lambda\//, "")}/src`)
  }
}

const built = mtime(bundle)
if (built < 0 || sourceDirs.some((dir) => newest(dir) > built)) {
  process.stderr.write(
    `effect-lambda: bundling the CLI (${
      built < 0 ? "first run" : "sources changed"
    }) into packages/cli/dist/bin.mjs ...\n`
  )
  await import("../scripts/bundle.mjs")
}
await import("../dist/bin.mjs")
