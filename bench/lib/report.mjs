// Turns the collected figures into the console table and the BENCHMARKS.md text.
// Formatting only: every number here was computed in run.mjs.

const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "-")
const ratio = (s) => (s && Number.isFinite(s.median) ? `${s.median.toFixed(2)}x` : "-")
const mib = (kb) => kb / 1024

/** The columns shared by the console and markdown tables: [header, cell(row)]. */
function columns(results) {
  const m = results.plan.memory
  const ref = results.reference?.short ?? "raw"
  return [
    ["client", (r) => r.label],
    ["inv/s", (r) => fmt(r.throughput?.median)],
    ["CPU us/inv", (r) => fmt(r.cpuUs?.median)],
    [`CPU vs ${ref}`, (r) => ratio(r.ratios?.cpuUs)],
    ["p50 us", (r) => fmt(r.p50?.median)],
    ["p99 us", (r) => fmt(r.p99?.median)],
    ["cold->next ms", (r) => fmt(r.coldNext?.median, 1)],
    [`vs ${ref}`, (r) => ratio(r.ratios?.coldNext)],
    ["peak RSS MiB", (r) => fmt(r.peakRssKb && mib(r.peakRssKb.median), 1)],
    [`RSS ${short(m.n)}-${short(m.from)} MiB`, (r) => fmt(r.rssGrowthKb && mib(r.rssGrowthKb.median), 2)],
    ["alloc KiB/inv", (r) => fmt(r.allocBytes && r.allocBytes.median / 1024, 1)],
    ["young GCs/10k", (r) => fmt(r.youngGcs?.median)]
  ]
}

const short = (n) => (n % 1000 === 0 ? `${n / 1000}k` : String(n))

function rows(results) {
  return results.order.map((name) => ({ name, ...results.clients[name] }))
}

export function consoleTable(results) {
  const cols = columns(results)
  const body = rows(results).map((r) => cols.map(([, cell]) => cell(r)))
  const widths = cols.map(([h], i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  return [line(cols.map(([h]) => h)), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n")
}

export function targetLines(results) {
  return results.targets.map((t) => `${t.what}: ${t.figure} (target ${t.target})`)
}

function range(s, digits, scale = 1) {
  if (!s || s.n === 0) return "-"
  return `${fmt(s.min * scale, digits)} / ${fmt(s.median * scale, digits)} / ${fmt(s.max * scale, digits)}`
}

export function markdown(results) {
  const cols = columns(results)
  const md = (cells) => `| ${cells.join(" | ")} |`
  const p = results.plan
  const out = []
  out.push("## The latest `pnpm bench` run", "")
  out.push(
    "Figures from `pnpm bench` (bench/run.mjs), on one machine, all clients against the same loopback",
    "Runtime API server (its own process), interleaved run by run. Ratios are the figures that matter:",
    `each is the median of per-round ratios against ${
      results.reference?.label ?? "the node:http raw loop"
    } measured in the same round.`,
    "Higher inv/s is better; lower is better for everything else.",
    "",
    "Run: `pnpm bench` (first run installs the Node 22 and aws-lambda-ric peers into bench/.peers/, ~1-2 min);",
    "`BENCH_QUICK=1 pnpm bench` for a smoke run that leaves this file alone. Raw figures: bench/results/latest.json.",
    ""
  )
  out.push(`- Date: ${results.date}`)
  out.push(
    `- Code: commit ${results.source.commit}${
      results.source.dirty ? " plus uncommitted changes in packages/runtime or examples/hello" : ""
    }`
  )
  out.push(`- Node: ${results.node.version} (${results.node.source}), same binary for every client and the server`)
  out.push(
    `- Machine: ${results.machine.cpus} cores (${results.machine.model}), ${results.machine.memGiB} GiB, ${results.machine.platform}`
  )
  out.push(
    `- Load average (1/5/15 min) at start ${results.load.start.join(" / ")}, at end ${results.load.end.join(" / ")}`
  )
  if (results.peers.ricVersion) out.push(`- aws-lambda-ric: ${results.peers.ricVersion}`)
  out.push(
    `- Runs: throughput/latency/peak RSS ${p.throughput.rounds} rounds at N = ${
      p.throughput.n.toLocaleString("en-US")
    } ` +
      `(+${p.throughput.warmup} warm-up round at N = ${p.throughput.warmupN.toLocaleString("en-US")}, excluded); ` +
      `cold start ${p.cold.rounds} rounds (+${p.cold.warmup} warm-up); memory growth: the last ${p.memory.rounds} throughput round(s) ` +
      `went on to N = ${p.memory.n.toLocaleString("en-US")}`
  )
  if (results.quick) out.push("- **BENCH_QUICK smoke run: too short to quote.**")
  out.push("")
  out.push(md(cols.map(([h]) => h)), md(cols.map((_, i) => (i === 0 ? "---" : "---:"))))
  for (const r of rows(results)) out.push(md(cols.map(([, cell]) => cell(r))))
  out.push("")
  if (results.bundle) {
    out.push(
      `Hello bundle (${results.bundle.path}): ${results.bundle.bytes.toLocaleString("en-US")} bytes, ` +
        `${results.bundle.gzipBytes.toLocaleString("en-US")} bytes gzipped (level 6).`,
      ""
    )
  } else out.push("Hello bundle: not built, no size measured.", "")
  if (results.targets.length) {
    out.push(
      "## effect-lambda against the project's targets",
      "",
      md(["figure", "measured", "target"]),
      md(["---", "---:", "---:"])
    )
    for (const t of results.targets) out.push(md([t.what, t.figure, t.target]))
    out.push("")
  }
  out.push("## Spread (min / median / max over the measured runs)", "")
  out.push(
    md([
      "client",
      "inv/s",
      "CPU us/inv",
      "p50 us",
      "p99 us",
      "cold->next ms",
      "cold->resp ms",
      "peak RSS MiB",
      "RSS growth MiB"
    ])
  )
  out.push(md(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]))
  for (const r of rows(results)) {
    out.push(
      md([
        r.label,
        range(r.throughput, 0),
        range(r.cpuUs, 0),
        range(r.p50, 0),
        range(r.p99, 0),
        range(r.coldNext, 1),
        range(r.coldResponse, 1),
        range(r.peakRssKb, 1, 1 / 1024),
        range(r.rssGrowthKb, 2, 1 / 1024)
      ])
    )
  }
  out.push("")
  const curves = rows(results).filter((r) => r.rssCurvesKb?.some((c) => c))
  if (curves.length) {
    const points = Object.keys(curves[0].rssCurvesKb.find((c) => c)).map(Number)
    out.push("## RSS over one long run (MiB, after that many invocations)", "")
    out.push("Flat after a while = the heap settled; still rising at the end = a leak.", "")
    out.push(md(["client", ...points.map((p) => p.toLocaleString("en-US"))]), md(["---", ...points.map(() => "---:")]))
    for (const r of curves) {
      const c = r.rssCurvesKb.findLast((x) => x)
      out.push(md([r.label, ...points.map((p) => fmt(c[p] / 1024, 1))]))
    }
    out.push("")
  }
  if (results.skipped.length || results.notes.length) {
    out.push("## Notes", "")
    for (const s of results.skipped) out.push(`- ${s.name} not measured: ${s.reason}`)
    for (const n of results.notes) out.push(`- ${n}`)
    out.push("")
  }
  out.push(
    "## What is measured",
    "",
    "- inv/s: N / (time from the first `next` received to the N-th response received), server clock.",
    "- CPU us/inv: the client's user + system CPU time (/proc/<pid>/stat, all threads) from its first `next` to the",
    "  N-th response, divided by N. Steadier than inv/s when other work shares the 2 cores.",
    "- p50/p99: per invocation, from the server handing over the `next` answer to the response fully received.",
    "- cold->next / cold->resp: from the harness calling spawn() to the server receiving the first `next` /",
    "  the first response (both processes read CLOCK_MONOTONIC). Includes the bootstrap script where there is one.",
    "- peak RSS: the client's VmHWM (kernel peak-RSS counter) when the N-th response of a throughput run is in.",
    `- RSS growth: the client's VmRSS after ${p.memory.n.toLocaleString("en-US")} responses minus after ${
      p.memory.from.toLocaleString("en-US")
    }, read by the server from /proc.`,
    "- alloc KiB/inv, young GCs/10k: bytes allocated on V8's heap per invocation and scavenges per 10,000",
    `  invocations, between response ${p.gc?.from} and ${p.gc?.to} of a separate run per client with the same probe preloaded`,
    "  (bench/lib/gcprobe.mjs: v8.GCProfiler's used heap before/after each GC); median of the rounds.",
    `- Every client runs with AWS's heap flags for ${results.memoryMb} MB (\`${
      results.heapFlags?.join(" ")
    }\`, as AWS's Node.js`,
    "  bootstrap passes them; effect-lambda's own bootstrap computes the same from AWS_LAMBDA_FUNCTION_MEMORY_SIZE).",
    "- Clients: `node:http raw loop` (bench/clients/raw.mjs), `net.Socket floor` (bench/clients/socket.mjs),",
    "  effect-lambda as deployed (the zip of `effect-lambda build examples/hello`, unzipped, through its bootstrap;",
    "  `--node-layer` so it runs the bench's Node binary), the same with `EFFECT_LAMBDA_TRANSPORT=node-http`,",
    "  aws-lambda-ric with bench/ric/handler.mjs, in its default libcurl mode and with",
    "  `AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1=true` (node:http `next`). The event is ~1 KB (bench/lib/event.mjs).",
    "- Every response is checked (`{\"message\":\"hello bench\"}`); a run with a wrong or error response counts as failed.",
    ""
  )
  return out.join("\n")
}
