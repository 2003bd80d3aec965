// `pnpm test`: the build, then the type check, the lint and vitest side by side. vitest's workers
// spend most of their time waiting on child processes and sockets; tsc and eslint use the CPU they
// leave, instead of the run waiting for check and lint first.
// vitest's output streams as it comes; check's and lint's is printed after it, each in one piece.
// Arguments go to vitest (`pnpm test --project @effect-lambda/cli`). Fails if any of them fails.
import { spawn } from "node:child_process"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")

/** Runs `pnpm ...args` in the root; `capture`: its output is returned instead of shown. */
const pnpm = (args, capture = false) =>
  new Promise((resolve) => {
    const child = spawn("pnpm", args, { cwd: root, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" })
    let output = ""
    if (capture) {
      child.stdout.setEncoding("utf8").on("data", (d) => (output += d))
      child.stderr.setEncoding("utf8").on("data", (d) => (output += d))
    }
    child.on("error", (error) => resolve({ code: 1, output: `${output}${error.message}\n` }))
    child.on("close", (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), output }))
  })

const build = await pnpm(["build"])
if (build.code !== 0) process.exit(build.code)

const [check, lint, vitest] = await Promise.all([
  pnpm(["run", "check"], true),
  pnpm(["run", "lint"], true),
  pnpm(["exec", "vitest", "run", ...process.argv.slice(2)])
])
for (const [name, result] of [["check", check], ["lint", lint]]) {
  process.stdout.write(`\n--- pnpm ${name} (exit ${result.code}) ---\n${result.output}`)
}
process.exit([check, lint, vitest].find((r) => r.code !== 0)?.code ?? 0)
