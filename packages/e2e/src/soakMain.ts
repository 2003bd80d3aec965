// `pnpm soak`: the long soak (SOAK_INVOCATIONS, default 100,000; SOAK_SEED to replay a run).
// Prints the figures; exits 1 if an invocation was lost or answered twice, or RSS grew 5 MiB or more.
import * as Effect from "effect/Effect"
import * as Soak from "./Soak.js"

const invocations = Number(process.env.SOAK_INVOCATIONS ?? "100000")
const seed = process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED)
// SOAK_HEAP_PROBE=1: also the runtime's live heap after a full GC at each RSS sample.
const heapProbe = process.env.SOAK_HEAP_PROBE === "1"
// SOAK_NODE_OPTIONS: extra NODE_OPTIONS of the runtime (e.g. --max-semi-space-size=8).
const nodeOptions = process.env.SOAK_NODE_OPTIONS
// SOAK_OPS=echo,fail: only those ops (to find which one memory grows with).
const ops = process.env.SOAK_OPS === undefined ? undefined : process.env.SOAK_OPS.split(",") as Array<Soak.Op["op"]>

const program = Soak.run({
  invocations,
  ...(seed === undefined ? {} : { seed }),
  heapProbe,
  ...(ops === undefined ? {} : { ops }),
  ...(nodeOptions === undefined ? {} : { nodeOptions }),
  onProgress: (done, rssKb) =>
    process.stdout.write(
      `soak: ${done} done, runtime RSS ${rssKb === undefined ? "?" : (rssKb / 1024).toFixed(1)} MiB\n`
    )
}).pipe(
  Effect.map((report) => {
    process.stdout.write(Soak.format(report) + "\n")
    for (const line of report.heapProbeLines) process.stdout.write(`runtime ${line}\n`)
    const ok = report.problems.length === 0 && report.answered === invocations && report.lost === 0 &&
      report.duplicated === 0 && report.wrongOutcome === 0 && report.restarts === 0 && report.rssGrowthKb < 5 * 1024
    process.stdout.write(ok ? "soak: PASS\n" : "soak: FAIL\n")
    return ok
  })
)

Effect.runPromise(program).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    process.stderr.write(`soak: ${String(error)}\n`)
    process.exit(1)
  }
)
