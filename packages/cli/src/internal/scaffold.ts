/** @internal */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { FunctionDirExists, InvalidFunctionName, OutsideWorkspacePackages, PackageFailed } from "../CliError.js"
import { HEAP_SIZING } from "./artefact.js"
import { mainTs, publishedVersions, type TemplateName, templates } from "./templates/index.js"

/** @internal */
export interface NewOptions {
  readonly name: string
  readonly template: TemplateName
  /** Parent directory of the new function folder. */
  readonly parent: string
}

/** @internal */
export interface NewResult {
  readonly dir: string
  readonly files: ReadonlyArray<string>
  readonly workspace: boolean
  /** The shell line that installs, tests and invokes it, from the current directory. */
  readonly nextSteps: string
}

/**
 * The root of an effect-lambda checkout above `dir`, if any, and its workspace globs: there the
 * generated package.json links the packages with `workspace:*` instead of published ranges.
 */
const effectLambdaWorkspace = (
  dir: string
): { readonly root: string; readonly globs: ReadonlyArray<string> } | undefined => {
  for (let d = path.resolve(dir);; d = path.dirname(d)) {
    const workspaceFile = path.join(d, "pnpm-workspace.yaml")
    if (fs.existsSync(workspaceFile)) {
      try {
        const runtime = JSON.parse(fs.readFileSync(path.join(d, "packages/runtime/package.json"), "utf8")) as {
          name?: string
        }
        if (runtime.name !== "@effect-lambda/runtime") return undefined
        // The `packages:` list of pnpm-workspace.yaml: `  - "examples/*"` lines.
        const globs = [...fs.readFileSync(workspaceFile, "utf8").matchAll(/^\s*-\s*["']?([^"'#\s]+)["']?\s*$/gm)].map((
          m
        ) => m[1]!)
        return { root: d, globs }
      } catch {
        return undefined
      }
    }
    if (path.dirname(d) === d) return undefined
  }
}

/** Whether `rel` (a folder relative to the workspace root) is matched by a workspace glob. */
const matchesGlob = (rel: string, glob: string): boolean => {
  if (glob.startsWith("!")) return false
  const pattern = glob.replace(/\/$/, "").split("/").map((part) =>
    part === "**" ? ".*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")
  ).join("/")
  return new RegExp(`^${pattern}$`).test(rel.split(path.sep).join("/"))
}

/** The package manager the user ran us with (`npx` -> npm, `pnpm dlx`/`pnpm exec` -> pnpm). */
const packageManager = (): "npm" | "pnpm" =>
  (process.env.npm_config_user_agent ?? "").startsWith("pnpm/") ? "pnpm" : "npm"

const quoted = (p: string): string => (/^[\w./@-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`)

/**
 * The steps printed after `new`, run by its test exactly as printed: install, the scaffold's
 * own tests, one invocation under the emulator.
 */
const nextSteps = (shown: string, manager: "npm" | "pnpm"): string =>
  manager === "pnpm"
    ? `cd ${
      quoted(shown)
    } && pnpm install && pnpm test && pnpm exec effect-lambda invoke . --event-file events/sample.json`
    : `cd ${quoted(shown)} && npm install && npm test && npx effect-lambda invoke . --event-file events/sample.json`

const BOOTSTRAP = `#!/bin/sh
# Entry point Lambda runs for a custom runtime (provided.al2023), and \`effect-lambda start\`
# locally: start the bundled runtime loop. \`effect-lambda build\` packages its own bootstrap.
case "$0" in */*) dir="\${0%/*}" ;; *) dir=. ;; esac
if [ -x "$dir/node" ]; then node="$dir/node"; else node=node; fi
${HEAP_SIZING}
exec "$node" $heap "$dir/dist/main.mjs"
`

const TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUnusedLocals: true,
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      // The published .d.ts files are checked too: what a user's CI sees.
      skipLibCheck: false,
      noEmit: true,
      types: ["node"]
    },
    include: ["src", "test"]
  },
  null,
  2
) + "\n"

const VITEST_CONFIG = `import { defineConfig } from "vitest/config"

export default defineConfig({ test: { include: ["test/**/*.test.ts"] } })
`

const manifest = (options: NewOptions, workspace: boolean): string => {
  const version = (pkg: string) =>
    workspace && pkg.startsWith("@effect-lambda/") ? "workspace:*" : publishedVersions[pkg] ?? "*"
  const deps = (names: ReadonlyArray<string>) => Object.fromEntries(names.map((n) => [n, version(n)]))
  const template = templates[options.template]
  return JSON.stringify(
    {
      name: options.name,
      version: "0.1.0",
      private: true,
      type: "module",
      scripts: {
        // dist/main.mjs is what `bootstrap` starts, locally under `effect-lambda start` too.
        build:
          "esbuild src/main.ts --bundle --platform=node --format=esm --target=node22 --minify --legal-comments=none --sourcemap --sources-content=false --outfile=dist/main.mjs --log-level=warning",
        test: "vitest run",
        typecheck: "tsc",
        start: "effect-lambda start .",
        invoke: "effect-lambda invoke .",
        package: "effect-lambda build ."
      },
      // pnpm 10 runs no install scripts unless listed; esbuild's checks its binary.
      pnpm: { onlyBuiltDependencies: ["esbuild"] },
      dependencies: deps(["@effect-lambda/runtime", ...template.dependencies, "effect"]),
      devDependencies: deps([
        "@effect-lambda/cli",
        "@effect-lambda/testing",
        "@effect/vitest",
        "@types/node",
        "esbuild",
        "typescript",
        "vitest"
      ])
    },
    null,
    2
  ) + "\n"
}

const readme = (options: NewOptions): string => {
  const template = templates[options.template]
  return `# ${options.name}

An AWS Lambda function on effect-lambda (template \`${options.template}\`: ${template.description}).

\`\`\`sh
npm run build      # esbuild: src/main.ts -> dist/main.mjs (what ./bootstrap starts)
npm test           # the handler through the real runtime loop, on the test kit's mock Runtime API
npx effect-lambda invoke . --event '${template.sampleEvent.replace(/'/g, "'\\''")}'
npx effect-lambda start .          # the emulator on 127.0.0.1:9001 until Ctrl-C
npx effect-lambda build .          # build/lambda/provided.al2023/function.zip for AWS
\`\`\`
${template.readme === "" ? "" : `\n${template.readme}`}
Deploy \`function.zip\` on the \`provided.al2023\` runtime (handler: any value, e.g. \`main\`):
see "Deploy to AWS" in the effect-lambda CLI README.
`
}

/**
 * `effect-lambda new`: writes the function folder and returns what it wrote.
 *
 * @internal
 */
export const scaffold = (
  options: NewOptions
): Effect.Effect<NewResult, InvalidFunctionName | FunctionDirExists | OutsideWorkspacePackages | PackageFailed> =>
  Effect.gen(function*() {
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(options.name)) return yield* new InvalidFunctionName({ name: options.name })
    const dir = path.join(options.parent, options.name)
    if (fs.existsSync(dir)) return yield* new FunctionDirExists({ dir })
    const found = effectLambdaWorkspace(options.parent)
    // Inside the repository only a workspace package gets its dependencies from `pnpm install`.
    if (
      found !== undefined &&
      !found.globs.some((glob) => matchesGlob(path.relative(found.root, path.resolve(dir)), glob))
    ) {
      return yield* new OutsideWorkspacePackages({
        dir: path.relative(process.cwd(), path.resolve(dir)) || ".",
        globs: found.globs
      })
    }
    const workspace = found !== undefined
    const template = templates[options.template]
    const files: Record<string, string> = {
      "package.json": manifest(options, workspace),
      "tsconfig.json": TSCONFIG,
      ".gitignore": "node_modules/\ndist/\nbuild/\n",
      "README.md": readme(options),
      // Its own config, so that vitest run here does not pick up a parent folder's.
      "vitest.config.ts": VITEST_CONFIG,
      "src/main.ts": mainTs,
      ...template.files,
      "events/sample.json": template.sampleEvent + "\n"
    }
    yield* Effect.try({
      try: () => {
        for (const [name, content] of Object.entries(files)) {
          fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
          fs.writeFileSync(path.join(dir, name), content)
        }
        fs.writeFileSync(path.join(dir, "bootstrap"), BOOTSTRAP, { mode: 0o755 })
        // The process umask may have dropped bits of the mode given above.
        fs.chmodSync(path.join(dir, "bootstrap"), 0o755)
      },
      catch: (error) => new PackageFailed({ path: dir, reason: error instanceof Error ? error.message : String(error) })
    })
    const shown = path.relative(process.cwd(), path.resolve(dir)) || "."
    return {
      dir,
      files: ["bootstrap", ...Object.keys(files)].sort(),
      workspace,
      nextSteps: nextSteps(shown, workspace ? "pnpm" : packageManager())
    }
  })
