// `node bench/profile.mjs [loop|init] [n]`: where effect-lambda's time goes, as issue 16's method
// asks (--cpu-prof, --trace-gc), with AWS's heap flags for 128 MB.
//
//   loop  examples/hello bundled as `effect-lambda build` bundles it but unminified (names kept),
//         against bench/server.mjs for n invocations (default 20,000) of the ~1 KB event, under
//         --cpu-prof and --trace-gc; prints the top self-time frames and the GC counts.
//   init  the same bundle started 20 times until its first `next`, under --cpu-prof; prints the
//         top self-time frames summed over the starts (what a cold start spends its time on).
//
// Profiles land in .tmp/profile/ (open them in Chrome DevTools for the call tree).
import { fork, spawn } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { helloDir, lambdaEnv, repoDir } from "./lib/clients.mjs"
import { heapFlags } from "./lib/heap.mjs"
import { ensurePeers } from "./setup-peers.mjs"

const mode = process.argv[2] ?? "loop"
const n = Number(process.argv[3] ?? (mode === "init" ? 20 : 20_000))
const out = join(repoDir, ".tmp", "profile")
const peers = await ensurePeers()
const node = peers.node

const esbuild = await import("esbuild")
const hello = join(out, "hello.mjs")
// PROFILE_ENTRY: profile another client instead (bench/clients/socket.mjs for the floor).
const bundle = process.env.PROFILE_ENTRY ?? hello
rmSync(out, { recursive: true, force: true }) // fresh profiles each time
mkdirSync(out, { recursive: true })
await esbuild.build({
  entryPoints: [join(helloDir, "src", "main.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  external: ["node:*"],
  outfile: hello,
  minify: false,
  logLevel: "warning"
})

function startServer(count) {
  return new Promise((resolve) => {
    const server = fork(join(repoDir, "bench", "server.mjs"), [JSON.stringify({ n: count })], {
      execPath: node,
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const waiting = []
    server.on("message", (m) => {
      if (m.type === "listening") resolve({ server, port: m.port, done: new Promise((r) => waiting.push(r)) })
      else if (m.type === "done") waiting.forEach((r) => r(m.result))
    })
  })
}

async function one(count, extraFlags, dir) {
  const { server, port, done } = await startServer(count)
  const child = spawn(node, [...heapFlags(128), `--cpu-prof`, `--cpu-prof-dir=${dir}`, ...extraFlags, bundle], {
    env: lambdaEnv(node, `127.0.0.1:${port}`),
    stdio: ["ignore", "pipe", "inherit"]
  })
  server.send({ type: "client", pid: child.pid })
  let stdout = ""
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d))
  const result = await done
  // SIGTERM: the runtime shuts down and exits 0, so --cpu-prof writes its file.
  child.kill("SIGTERM")
  await new Promise((r) => child.once("exit", r))
  server.kill("SIGKILL")
  return { result, stdout }
}

function topFrames(files, limit = 35) {
  const self = new Map()
  let total = 0
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, "utf8"))
    const byId = new Map(p.nodes.map((nd) => [nd.id, nd]))
    const dt = new Map()
    p.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)))
    for (const [id, us] of dt) {
      const cf = byId.get(id).callFrame
      const key = `${cf.functionName || "(anonymous)"} ${cf.url.split("/").pop()}:${cf.lineNumber + 1}`
      self.set(key, (self.get(key) ?? 0) + us)
      total += us
    }
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)
  return { total, rows }
}

if (mode === "loop") {
  const { result, stdout } = await one(n, ["--trace-gc"], out)
  const scavenges = (stdout.match(/Scavenge/g) ?? []).length
  const markSweeps = (stdout.match(/Mark-Compact|Mark-sweep/g) ?? []).length
  const w = result.window
  console.log(
    `${n} invocations: ${w.throughput.toFixed(0)} inv/s, ${
      w.cpuUsPerInvocation.toFixed(0)
    } us CPU/inv (profiler on), ${scavenges} scavenges, ${markSweeps} mark-compacts, peak RSS ${
      (w.peakRssKb / 1024).toFixed(1)
    } MiB`
  )
  const { rows, total } = topFrames(readdirSync(out).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(out, f)))
  for (const [k, us] of rows) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / n).toFixed(1).padStart(6)} us/inv  ${k}`)
  }
} else {
  for (let i = 0; i < n; i++) await one(1, [], out)
  const { rows, total } = topFrames(readdirSync(out).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(out, f)))
  console.log(`${n} starts, ${(total / n / 1000).toFixed(1)} ms of samples per start (to exit)`)
  for (const [k, us] of rows) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / n / 1000).toFixed(2).padStart(6)} ms  ${k}`)
  }
}
