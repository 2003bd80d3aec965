// `node bench/coldstart.mjs`: cold start of the artefact `effect-lambda build` makes for
// examples/hello (unzipped, its bootstrap started as Lambda starts it, on the Node 22 binary the
// zip ships) against aws-lambda-ric running the same handler on the same Node binary.
//
// Variants of ours: plain (--no-compile-cache), with the shipped V8 compile cache (the default)
// and, when the CLI has it, a V8 startup snapshot (--snapshot). Figures: spawn -> first `next`
// (wall, and CPU time of the client's process: see lib/cold.mjs) and spawn -> first response,
// median/min/max of BENCH_COLD_ROUNDS runs (default 15, at least 10) after one warm-up round,
// clients interleaved round by round; ratios paired by round.
// Needs the built CLI (`pnpm --filter @effect-lambda/cli build`) and `unzip`.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { helloDir, lambdaEnv, repoDir } from "./lib/clients.mjs"
import { measureCold } from "./lib/cold.mjs"
import { heapFlags } from "./lib/heap.mjs"
import { pairedRatio, summary } from "./lib/stats.mjs"
import { ensurePeers } from "./setup-peers.mjs"

const benchDir = dirname(fileURLToPath(import.meta.url))
const cli = join(repoDir, "packages", "cli", "dist", "bin.mjs")
const work = join(repoDir, ".tmp", "coldstart")
const rounds = Math.max(10, Number(process.env.BENCH_COLD_ROUNDS ?? 15))
const log = (s) => console.log(s)

if (!existsSync(cli)) {
  log(`${cli} not found: run \`pnpm --filter @effect-lambda/cli build\` first`)
  process.exit(1)
}
const peers = await ensurePeers()
if (!peers.ricEntry) log(`NOTE: aws-lambda-ric unavailable (${peers.note}); ours only`)
const node = peers.node

// Builds a variant with the CLI and unzips it; undefined (with a line saying why) if the CLI
// does not support it.
function artefact(name, flags) {
  const out = join(work, name)
  const unzipped = join(out, "task")
  rmSync(out, { recursive: true, force: true })
  mkdirSync(unzipped, { recursive: true })
  try {
    // --node-layer: the bootstrap runs the bench's Node binary (first on PATH), the one RIC runs
    // on; not with --snapshot, whose blob only loads in the Node it was made with (the one shipped).
    const layer = flags.includes("--snapshot") ? [] : ["--node-layer"]
    execFileSync(process.execPath, [cli, "build", helloDir, "--out", out, ...layer, ...flags], {
      stdio: ["ignore", "pipe", "pipe"]
    })
  } catch (e) {
    log(`SKIP ${name}: ${String(e.stderr ?? e.message).trim().split("\n")[0]}`)
    return undefined
  }
  execFileSync("unzip", ["-q", join(out, "function.zip"), "-d", unzipped])
  return unzipped
}

const ours = (name, label, taskRoot) => ({
  name,
  label,
  launch: (api) => ({
    command: join(taskRoot, "bootstrap"),
    args: [],
    env: lambdaEnv(node, api, {
      LAMBDA_TASK_ROOT: taskRoot,
      EFFECT_LAMBDA_COMPILE_CACHE_DIR: join(work, `ccache-${process.pid}-${name}`)
    }),
    cwd: taskRoot
  })
})

const clients = []
const variants = [
  ["plain", "effect-lambda, plain", []],
  ["compile-cache", "effect-lambda, compile cache", ["--compile-cache"]],
  ["snapshot", "effect-lambda, snapshot", ["--snapshot"]]
]
for (const [name, label, flags] of variants) {
  const dir = artefact(name, flags)
  if (dir) clients.push(ours(name, label, dir))
}
if (peers.ricEntry) {
  const taskRoot = join(benchDir, "ric")
  clients.push({
    name: "ric",
    label: `aws-lambda-ric ${peers.ricVersion} (libcurl)`,
    launch: (api) => ({
      command: node,
      // AWS's Node.js bootstrap starts its client with these (ours computes the same itself).
      args: [...heapFlags(), peers.ricEntry],
      env: lambdaEnv(node, api, { _HANDLER: "handler.handler", LAMBDA_TASK_ROOT: taskRoot }),
      cwd: taskRoot
    })
  })
}
log(
  `node ${peers.nodeVersion} | ${os.cpus().length} cores | ${rounds} rounds + 1 warm-up | ${
    clients.map((c) => c.name).join(", ")
  }`
)

const samples = Object.fromEntries(clients.map((c) => [c.name, { next: [], cpu: [], response: [] }]))
for (let round = -1; round < rounds; round++) {
  const line = []
  for (const c of clients) {
    // The compile cache directory in /tmp is per run: each cold start must begin without it, as
    // in a fresh Lambda sandbox.
    rmSync(join(work, `ccache-${process.pid}-${c.name}`), { recursive: true, force: true })
    const r = await measureCold({ launch: c.launch, event: { name: "bench" } })
    const ok = r.ok && JSON.parse(r.body).message === "hello bench"
    if (!ok) log(`  ${c.name} FAILED: ${r.reason ?? r.body} ${r.output ?? ""}`)
    if (round >= 0) {
      samples[c.name].next.push(ok ? r.nextMs : NaN)
      samples[c.name].cpu.push(ok ? r.cpuMs : NaN)
      samples[c.name].response.push(ok ? r.responseMs : NaN)
    }
    line.push(`${c.name} ${ok ? `${r.nextMs.toFixed(0)}/${r.cpuMs.toFixed(0)}` : "x"}`)
  }
  log(`cold ${round < 0 ? "warm-up" : `${round + 1}/${rounds}`} (ms to first next, wall/cpu): ${line.join("  ")}`)
}

const fmt = (s) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}-${s.max.toFixed(1)})`
const ratio = (c, metric) =>
  samples.ric && c.name !== "ric" ? pairedRatio(samples[c.name][metric], samples.ric[metric]).median : NaN
const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : "-")
const rows = clients.map((c) => ({
  name: c.name,
  label: c.label,
  next: summary(samples[c.name].next),
  cpu: summary(samples[c.name].cpu),
  response: summary(samples[c.name].response),
  nextVsRic: ratio(c, "next"),
  cpuVsRic: ratio(c, "cpu")
}))
const load = os.loadavg().map((l) => l.toFixed(1)).join(" ")
log("")
log(`load average at the end: ${load} (wall times include waiting for a core; CPU time does not)`)
log(
  "| client | spawn -> first next, wall ms | CPU ms to first next | spawn -> first response, wall ms | wall vs RIC | CPU vs RIC |"
)
log("|---|---|---|---|---|---|")
for (const r of rows) {
  log(`| ${r.label} | ${fmt(r.next)} | ${fmt(r.cpu)} | ${fmt(r.response)} | ${x(r.nextVsRic)} | ${x(r.cpuVsRic)} |`)
}
log("median (min-max) of each; ratios are medians of per-round ratios")
mkdirSync(join(benchDir, "results"), { recursive: true })
writeFileSync(
  join(benchDir, "results", "coldstart.json"),
  JSON.stringify(
    { at: new Date().toISOString(), node: peers.nodeVersion, cores: os.cpus().length, load, rounds, rows },
    null,
    2
  ) + "\n"
)
for (const c of clients) rmSync(join(work, `ccache-${process.pid}-${c.name}`), { recursive: true, force: true })
