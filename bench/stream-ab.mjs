// `node bench/stream-ab.mjs [bundle.mjs ...]`: the streaming row alone, as an A/B. The raw chunked
// POST (clients/raw-stream.mjs), clients/effect-stream.ts bundled from the current tree, and any
// bundles given (e.g. effect-stream.ts bundled at an older commit) run interleaved, ROUNDS times
// (default 5) N x 50 MiB each (default 4, as `pnpm bench`); each figure is paired with the raw
// POST of the same round, so a loaded machine moves the absolute figures, not the ratios.
// Prints MB/s, client CPU per 50 MiB, peak RSS, and (first round, separate runs with
// lib/gcprobe.mjs) V8 allocation per MiB, which does not depend on load.
// STREAM_ONE_CHUNK=1: the effect-lambda body is one Chunk of 800 pieces instead of 800 Chunks.
import { readFileSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { lambdaEnv, repoDir, streamingClients, streamSource } from "./lib/clients.mjs"
import { heapFlags } from "./lib/heap.mjs"
import { measureRun } from "./lib/proc.mjs"
import { ensurePeers } from "./setup-peers.mjs"

const BYTES = 50 * 1024 * 1024
const rounds = Number(process.env.ROUNDS ?? 5)
const n = Number(process.env.N ?? 4)
const { node } = await ensurePeers()
const esbuild = await import("esbuild")
const current = join(repoDir, ".tmp", "bench", "stream-ab-current.mjs")
await esbuild.build({
  entryPoints: [streamSource],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  outfile: current,
  nodePaths: [join(repoDir, "examples", "streaming", "node_modules")],
  logLevel: "warning"
})
const extra = { STREAM_BYTES: String(BYTES), STREAM_ONE_CHUNK: process.env.STREAM_ONE_CHUNK ?? "" }
const client = (file) => ({
  name: file === current ? "current" : file,
  launch: ({ api, node }) => ({
    command: node,
    args: [...heapFlags(), file],
    env: lambdaEnv(node, api, extra),
    cwd: repoDir
  })
})
const clients = [streamingClients(BYTES)[0], client(current), ...process.argv.slice(2).map((f) => client(resolve(f)))]
const probe = join(repoDir, "bench", "lib", "gcprobe.mjs")
const gcOut = join(repoDir, ".tmp", "bench", "stream-ab-gc.json")
const withProbe = (c) => ({
  ...c,
  launch: (a) => {
    const l = c.launch(a)
    return { ...l, env: { ...l.env, NODE_OPTIONS: `--import=${probe}`, BENCH_GC_OUT: gcOut } }
  }
})
const figures = Object.fromEntries(clients.map((c) => [c.name, { mbs: [], cpu: [], rss: [] }]))
for (let round = 0; round < rounds; round++) {
  const line = []
  for (const c of clients) {
    const r = await measureRun({ node, client: c, config: { n, streamBytes: BYTES }, timeoutMs: 180_000 })
    if (!r.ok) {
      line.push(`${c.name} FAILED ${r.reason}`)
      for (const k of ["mbs", "cpu", "rss"]) figures[c.name][k].push(NaN)
      continue
    }
    const f = figures[c.name]
    f.mbs.push((r.window.throughput * BYTES) / 1e6)
    f.cpu.push(r.window.cpuUsPerInvocation / 1000)
    f.rss.push(r.window.peakRssKb / 1024)
    let alloc = ""
    if (round === 0) {
      rmSync(gcOut, { force: true })
      const g = await measureRun({
        node,
        client: withProbe(c),
        config: { n: 4, signalAt: [1, 3], streamBytes: BYTES },
        timeoutMs: 180_000
      })
      try {
        const { allocatedBytes } = JSON.parse(readFileSync(gcOut, "utf8"))
        f.alloc = allocatedBytes / 2 / (BYTES / 2 ** 20)
        alloc = ` alloc ${(f.alloc / 1024).toFixed(1)} KiB/MiB`
      } catch {
        alloc = ` alloc x (${g.ok ? "no probe output" : g.reason})`
      }
    }
    line.push(
      `${c.name} ${f.mbs.at(-1).toFixed(0)} MB/s cpu ${f.cpu.at(-1).toFixed(0)} ms rss ${
        f.rss.at(-1).toFixed(1)
      } MiB${alloc}`
    )
  }
  console.log(`round ${round + 1}/${rounds}: ${line.join(" | ")}`)
}
const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
const raw = figures["raw-stream"]
for (const [name, f] of Object.entries(figures)) {
  const ratio = (k) => median(f[k].map((x, i) => x / raw[k][i])).toFixed(2)
  console.log(
    `${name}: MB/s ${median(f.mbs).toFixed(0)} (${ratio("mbs")}x raw), CPU ${median(f.cpu).toFixed(0)} ms per 50 MiB (${
      ratio("cpu")
    }x raw), peak RSS ${median(f.rss).toFixed(1)} MiB, alloc ${
      f.alloc === undefined ? "x" : (f.alloc / 1024).toFixed(1)
    } KiB/MiB`
  )
}
