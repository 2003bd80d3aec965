import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot } from "./helpers.js"

/**
 * Stands in for an install in a function folder scaffolded by a test that is about something
 * else (`build`): links the workspace packages and the dependencies they resolve to into its
 * node_modules, so esbuild, vitest and tsc resolve as after an install. `new` itself is tested
 * by running its printed steps for real: packages/e2e/test/journey.test.ts.
 */
export const linkWorkspaceModules = (dir: string): void => {
  const links: Record<string, string> = {
    "@effect-lambda/runtime": path.join(repoRoot, "packages/runtime"),
    "@effect-lambda/middleware": path.join(repoRoot, "packages/middleware"),
    "@effect-lambda/testing": path.join(repoRoot, "packages/testing"),
    "@effect-lambda/events": path.join(repoRoot, "packages/events"),
    effect: fs.realpathSync(path.join(repoRoot, "packages/runtime/node_modules/effect")),
    "@effect/platform": fs.realpathSync(path.join(repoRoot, "packages/middleware/node_modules/@effect/platform")),
    "@effect/vitest": fs.realpathSync(path.join(repoRoot, "node_modules/@effect/vitest")),
    "@types/node": fs.realpathSync(path.join(repoRoot, "node_modules/@types/node")),
    vitest: fs.realpathSync(path.join(repoRoot, "node_modules/vitest")),
    esbuild: fs.realpathSync(path.join(repoRoot, "node_modules/esbuild"))
  }
  for (const [name, target] of Object.entries(links)) {
    const link = path.join(dir, "node_modules", name)
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(target, link)
  }
  const bin = path.join(dir, "node_modules/.bin")
  fs.mkdirSync(bin, { recursive: true })
  fs.symlinkSync(path.join(links.esbuild!, "bin/esbuild"), path.join(bin, "esbuild"))
}

/**
 * A fresh directory outside the repository: `new` refuses folders inside it that are not
 * workspace packages (pnpm would not install them).
 */
export const workspaceTemp = (label: string): string =>
  fs.mkdtempSync(path.join(os.tmpdir(), `effect-lambda-${label}-`))
