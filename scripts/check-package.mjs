// `prepack` of every published package: fails the pack (and so the publish) when the packed
// manifest would point at a file that is not there, instead of leaving it to the user's import.
//
// The workspace manifest's `exports` point at `src/*.ts` (vitest and `tsc -b` run on sources);
// pnpm replaces `exports`, `main`, `types` and `bin` by those under `publishConfig` when it packs.
// This script checks that packed view: every target exists, is inside `files`, and every module
// that a wildcard export offers has its built `.js` and `.d.ts`.
import * as fs from "node:fs"
import * as path from "node:path"

const dir = process.cwd()
const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
const problems = []

// npm ignores publishConfig.exports/bin: its tarball would point at the TypeScript sources.
const agent = process.env.npm_config_user_agent ?? ""
if (agent.startsWith("npm/")) {
  problems.push(
    "packed by npm, which ignores publishConfig.exports/bin: pack and publish with pnpm (`pnpm release` at the root)"
  )
}

const publish = pkg.publishConfig ?? {}
const packed = { ...pkg }
for (const field of ["exports", "main", "types", "typings", "bin", "module"]) {
  if (field in publish) packed[field] = publish[field]
}

const files = (pkg.files ?? []).filter((f) => !f.startsWith("!"))
const inFiles = (rel) =>
  files.length === 0 || rel === "package.json" ||
  files.some((f) => rel === f || rel.startsWith(f.replace(/\/$/, "") + "/"))

const checkFile = (target, what) => {
  const rel = path.posix.normalize(target)
  if (!fs.existsSync(path.join(dir, rel))) problems.push(`${what}: ${target} does not exist (build the package first)`)
  else if (!inFiles(rel)) problems.push(`${what}: ${target} is not in "files", so it would not be packed`)
}

/** Every string leaf of an exports value, with its conditions. */
const targets = (value, conditions = []) =>
  typeof value === "string"
    ? [{ target: value, conditions }]
    : value === null
    ? []
    : Object.entries(value).flatMap(([k, v]) => targets(v, [...conditions, k]))

/** The module names (what `*` stands for) that the workspace export `key` offers. */
const wildcardNames = (key) => {
  const source = pkg.exports?.[key]
  if (typeof source !== "string" || !source.includes("*")) return undefined
  const [prefix, suffix] = source.split("*")
  const base = path.join(dir, prefix)
  if (!fs.existsSync(base)) return []
  return fs
    .readdirSync(base, { recursive: true })
    .map((f) => String(f).split(path.sep).join("/"))
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, f.length - suffix.length))
}

const blocked = (name) =>
  Object.entries(packed.exports ?? {}).some(([key, value]) => {
    if (value !== null || !key.includes("*")) return false
    const [prefix] = key.slice(2).split("*")
    return name.startsWith(prefix)
  })

for (
  const [key, value] of Object.entries(
    typeof packed.exports === "string" ? { ".": packed.exports } : packed.exports ?? {}
  )
) {
  for (const { target, conditions } of targets(value)) {
    const what = `exports[${JSON.stringify(key)}]${conditions.map((c) => `.${c}`).join("")}`
    if (!target.startsWith("./")) problems.push(`${what}: ${target} must start with ./`)
    if (/\.tsx?$/.test(target) && !target.endsWith(".d.ts")) problems.push(`${what}: ${target} is TypeScript source`)
    if (!target.includes("*")) {
      checkFile(target, what)
      continue
    }
    const names = wildcardNames(key)
    if (names === undefined) continue
    for (const name of names) if (!blocked(name)) checkFile(target.replace("*", name), `${what} (${name})`)
  }
}
for (const field of ["main", "types", "typings", "module"]) {
  if (typeof packed[field] === "string") checkFile(packed[field], field)
}
const bins = typeof packed.bin === "string" ? { [pkg.name]: packed.bin } : packed.bin ?? {}
for (const [name, target] of Object.entries(bins)) {
  checkFile(target, `bin.${name}`)
  const file = path.join(dir, target)
  if (fs.existsSync(file) && !fs.readFileSync(file, "utf8").startsWith("#!")) {
    problems.push(`bin.${name}: ${target} has no #! line`)
  }
}

if (problems.length > 0) {
  process.stderr.write(`${pkg.name}: cannot pack:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`)
  process.exit(1)
}
