// Process plumbing for one measured run: a fresh Runtime API server process, a fresh client
// process, and the figures the server reports. Nothing here interprets the figures.
import { fork, spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const serverPath = join(benchDir, "server.mjs")

/** Monotonic milliseconds, comparable with the server's own (both read CLOCK_MONOTONIC). */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6

function startServer(node, config) {
  return new Promise((resolve, reject) => {
    const server = fork(serverPath, [JSON.stringify(config)], {
      execPath: node,
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const onExit = (code) => reject(new Error(`benchmark server exited with ${code} before listening`))
    server.once("exit", onExit)
    server.once("error", reject)
    server.on("message", function onListening(m) {
      if (m?.type !== "listening") return
      server.off("message", onListening)
      server.off("exit", onExit)
      resolve({ server, port: m.port })
    })
  })
}

function stopped(child) {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))
}

/** Keeps the last `limit` characters a stream wrote, for failure reports; the rest is dropped. */
function tail(stream, limit = 4000) {
  const t = { text: "" }
  stream?.setEncoding("utf8")
  stream?.on("data", (s) => {
    t.text = (t.text + s).slice(-limit)
  })
  return t
}

/**
 * One run: starts the server for `config.n` invocations, spawns the client against it, waits for
 * the N-th response (or a failure or the timeout), then kills both. Resolves, never rejects:
 * `{ ok: true, coldNextMs, coldResponseMs, ...serverResult }` or `{ ok: false, reason, output }`.
 */
export async function measureRun({ node, client, config, timeoutMs }) {
  const { server, port } = await startServer(node, config)
  const { command, args, env, cwd } = client.launch({ node, api: `127.0.0.1:${port}` })
  let child
  const outcome = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, reason: `timed out after ${timeoutMs} ms` }), timeoutMs)
    const settle = (v) => {
      clearTimeout(timer)
      resolve(v)
    }
    server.on("message", (m) => {
      if (m?.type === "done") {
        const bad = m.result.errors + m.result.badResponses
        settle(
          bad > 0
            ? { ok: false, reason: `${bad} wrong or error responses, first: ${JSON.stringify(m.result.firstBad)}` }
            : { ok: true, ...m.result }
        )
      } else if (m?.type === "init-error") settle({ ok: false, reason: `init error ${m.errorType}: ${m.body}` })
    })
    server.once("exit", (code) => settle({ ok: false, reason: `server exited with ${code}` }))
    const spawnAt = nowMs()
    child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] })
    child.output = { out: tail(child.stdout), err: tail(child.stderr) }
    child.spawnAt = spawnAt
    child.once("error", (e) => settle({ ok: false, reason: `spawn failed: ${e.message}` }))
    child.once(
      "exit",
      (code, signal) => settle({ ok: false, reason: `client exited with ${code ?? signal} before the last response` })
    )
    if (child.pid !== undefined) server.send({ type: "client", pid: child.pid })
  })
  child.kill("SIGKILL")
  await stopped(child)
  if (server.connected) server.send({ type: "shutdown" })
  await Promise.race([stopped(server), new Promise((r) => setTimeout(r, 2000))])
  if (server.exitCode === null) server.kill("SIGKILL")
  if (!outcome.ok) return { ...outcome, output: `${child.output.out.text}${child.output.err.text}`.trim().slice(-2000) }
  return {
    ...outcome,
    coldNextMs: outcome.firstNextAt - child.spawnAt,
    coldResponseMs: outcome.firstResponseAt - child.spawnAt
  }
}
