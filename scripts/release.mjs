// `pnpm release`: builds every published package from scratch, then `changeset publish`, which
// packs each one with pnpm (applying publishConfig: exports/types/bin at dist/, workspace:
// ranges replaced by versions; `prepack` = scripts/check-package.mjs refuses a missing entry)
// and publishes the versions the registry does not have yet, to the registry that
// `npm_config_registry` names (npmjs.org when unset).
//
// Flags: --no-clean (reuse dist/ as built by `pnpm build`), --no-git-tag (passed to changeset).
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const args = process.argv.slice(2)
const run = (command, commandArgs) => {
  process.stderr.write(`release: ${command} ${commandArgs.join(" ")}\n`)
  execFileSync(command, commandArgs, { cwd: root, stdio: "inherit" })
}

if (!args.includes("--no-clean")) {
  for (const dir of fs.readdirSync(path.join(root, "packages"))) {
    const pkgDir = path.join(root, "packages", dir)
    const manifest = path.join(pkgDir, "package.json")
    if (!fs.existsSync(manifest) || JSON.parse(fs.readFileSync(manifest, "utf8")).private === true) continue
    // Stale outputs of deleted modules would otherwise be published.
    fs.rmSync(path.join(pkgDir, "dist"), { recursive: true, force: true })
    fs.rmSync(path.join(pkgDir, "build/tsbuildinfo/src.tsbuildinfo"), { force: true })
  }
  run("pnpm", ["-r", "--filter", "./packages/*", "--if-present", "run", "build"])
}
run("pnpm", ["exec", "changeset", "publish", ...(args.includes("--no-git-tag") ? ["--no-git-tag"] : [])])
