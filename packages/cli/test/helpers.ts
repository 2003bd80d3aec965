import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const packageDir = fileURLToPath(new URL("..", import.meta.url))
export const repoRoot = path.resolve(packageDir, "../..")
export const bin = path.join(packageDir, "dist/bin.mjs")
export const echoFixture = path.join(packageDir, "test/fixtures/echo")

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the built binary from the repository root; stdin gets `input` (or is closed at once). */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly input?: string; readonly timeoutMs?: number } = {}
): Effect.Effect<RunResult> =>
  Effect.async<RunResult>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    // A CLI that exits before reading its stdin (a usage error) closes the pipe: EPIPE is no news.
    child.stdin.on("error", () => {})
    child.stdin.end(options.input ?? "")
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 25_000)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, signal, stdout, stderr }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A long-running `start`/`watch`, with its output so far and a way to wait for a line. */
export interface Server {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export const spawnCli = (args: ReadonlyArray<string>): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d))
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d))
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal }))
      )
      return { child, stdout: () => stdout, stderr: () => stderr, exited } satisfies Server
    }),
    (server) => Effect.sync(() => server.child.exitCode === null && server.child.kill("SIGKILL"))
  )

/** Polls `f` every 50 ms until it returns a value, failing with the last output after `ms`. */
export const waitFor = <A>(f: () => A | undefined, what: string, ms = 20_000): Effect.Effect<A, Error> =>
  Effect.async<A, Error>((resume) => {
    const started = Date.now()
    const timer = setInterval(() => {
      const a = f()
      if (a !== undefined) {
        clearInterval(timer)
        resume(Effect.succeed(a))
      } else if (Date.now() - started > ms) {
        clearInterval(timer)
        resume(Effect.fail(new Error(`timed out waiting for ${what}`)))
      }
    }, 50)
    return Effect.sync(() => clearInterval(timer))
  })

export const invokeUrlIn = (output: string): string | undefined =>
  /http:\/\/127\.0\.0\.1:\d+\/2015-03-31\/functions\/function\/invocations/.exec(output)?.[0]

/** A port that was free a moment ago (the emulator binds it right after). */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Holds a port busy for the scope. */
export const busyPort: Effect.Effect<number, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<net.Server>((resume) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
).pipe(Effect.map((server) => (server.address() as net.AddressInfo).port))

/** A temporary directory removed with the scope. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-lambda-cli-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** stderr is exactly one `effect-lambda: ...` line and nothing looks like a stack trace. */
export const oneErrorLine = (stderr: string): string | undefined => {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "")
  if (lines.length !== 1 || !lines[0]!.startsWith("effect-lambda: ") || /\n\s+at /.test(stderr)) return undefined
  return lines[0]
}
