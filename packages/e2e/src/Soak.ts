/**
 * The soak: many invocations of the conformance function through the emulator, a random mix of
 * ops and, at a low rate, injected faults the runtime is meant to survive; then the count of
 * invocations lost or answered twice, and how much the runtime's resident set grew.
 *
 * @since 0.1.0
 */
import { Emulator } from "@effect-lambda/emulator"
import * as Effect from "effect/Effect"
import * as Path from "node:path"
import * as Harness from "./Harness.js"
import * as proc from "./internal/proc.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly invocations: number
  /** Invokers queued on the emulator's FIFO at once, so the runtime is never idle. Default 8. */
  readonly concurrency?: number
  /** Share of invocations before which a fault is armed (one at a time). Default 0.01. */
  readonly faultRate?: number
  /** Seed of the random mix; default from the clock (printed, to replay a failure). */
  readonly seed?: number
  /** Invocations before the RSS baseline is taken (heap and JIT settle first). Default min(1000, 10%). */
  readonly warmup?: number
  /** Told every 10% of the run. */
  readonly onProgress?: (done: number, rssKb: number | undefined) => void
  readonly functionDir?: string
  /** Extra environment of the function (e.g. `NODE_OPTIONS=--trace-gc` to tell a leak from a lazy heap). */
  readonly env?: Record<string, string>
  /** Every line the function and the emulator log. */
  readonly onLog?: (line: string) => void
  /**
   * Preloads probe/heapProbe.mjs into the runtime and reads, at each RSS sample, its live heap
   * after a full GC (`heapSamplesKb`): tells a leak from a heap V8 grows lazily. Default false.
   */
  readonly heapProbe?: boolean
  /** Extra `NODE_OPTIONS` of the runtime (e.g. `--max-semi-space-size=8`). */
  readonly nodeOptions?: string
  /** Only these ops (same relative weights); default all five. */
  readonly ops?: ReadonlyArray<Op["op"]>
}

/**
 * What the soak found. `lost`, `duplicated`, `wrongOutcome` and `restarts` must all be 0.
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly seed: number
  readonly invocations: number
  /** Invocations whose invoker got an answer. */
  readonly answered: number
  /** Invocations handed to the runtime that got no accepted report and were not ended by a fault. */
  readonly lost: number
  /** Request ids with more than one report accepted by the API. */
  readonly duplicated: number
  /** Invocations not touched by a fault whose answer was not the one their op gives. */
  readonly wrongOutcome: number
  /** Reports the API refused that no fault asked for (the runtime's follow-ups after a fault). */
  readonly refusedReports: number
  readonly faultsInjected: number
  readonly faultsByKind: Readonly<Record<string, number>>
  /** Runtime processes beyond the first: none of the injected faults should stop it. */
  readonly restarts: number
  readonly rssBaselineKb: number
  readonly rssEndKb: number
  readonly rssGrowthKb: number
  /** RSS every 10% of the run, after the baseline. */
  readonly rssSamplesKb: ReadonlyArray<number>
  /** With `heapProbe`: the runtime's live heap after a full GC, at the baseline and every 10%. */
  readonly heapSamplesKb: ReadonlyArray<number>
  /** With `heapProbe`: the probe's lines as printed (heap used, RSS, heap total, external, array buffers). */
  readonly heapProbeLines: ReadonlyArray<string>
  readonly durationMs: number
  /** The first problems found, described. */
  readonly problems: ReadonlyArray<string>
}

/** mulberry32: small, fast, seedable; the mix is reproducible from the printed seed. */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * One event of the mix, as the conformance function reads it.
 *
 * @since 0.1.0
 * @category models
 */
export type Op =
  | { readonly op: "echo"; readonly value: string }
  | { readonly op: "fail"; readonly tag: "Soak"; readonly message: string }
  | { readonly op: "throw"; readonly message: string }
  | { readonly op: "sleep"; readonly ms: number; readonly value: string }
  | { readonly op: "big"; readonly bytes: number }

const pickOp = (next: () => number, i: number): Op => {
  const r = next()
  if (r < 0.4) return { op: "echo", value: `soak-${i}` }
  if (r < 0.55) return { op: "fail", tag: "Soak", message: `fail-${i}` }
  if (r < 0.7) return { op: "throw", message: `throw-${i}` }
  if (r < 0.9) return { op: "sleep", ms: Math.floor(next() * 6), value: `sleep-${i}` }
  return { op: "big", bytes: 10_000 + Math.floor(next() * 190_000) }
}

const expected = (op: Op, outcome: Harness.Outcome): boolean => {
  switch (op.op) {
    case "echo":
    case "sleep":
      return outcome.functionError === undefined && outcome.body === op.value
    case "fail":
      return outcome.errorType === "Soak" && (outcome.body as { errorMessage?: unknown }).errorMessage === op.message
    case "throw":
      return outcome.errorType === "Error" && (outcome.body as { errorMessage?: unknown }).errorMessage === op.message
    case "big":
      return outcome.functionError === undefined && typeof outcome.body === "string" && outcome.body.length === op.bytes
  }
}

/**
 * Faults the runtime survives without a restart; each is armed for the next matching call. Not
 * here: a report whose connection is closed before it is read (the runtime does not re-send a
 * report, so its next `next` is refused and it exits: see the matrix), 500s, a cut `next`.
 */
const survivable: ReadonlyArray<readonly [string, Emulator.FaultRule]> = [
  ["next delay", { endpoint: "next", fault: { _tag: "Delay", duration: "5 millis" } }],
  ["response delay", { endpoint: "response", fault: { _tag: "Delay", duration: "5 millis" } }],
  ["next close (stale socket)", { endpoint: "next", fault: { _tag: "Close" } }],
  ["response 400", { endpoint: "response", fault: { _tag: "Status", status: 400 } }],
  ["response 403", { endpoint: "response", fault: { _tag: "Status", status: 403 } }],
  ["response 413", { endpoint: "response", fault: { _tag: "Status", status: 413 } }],
  ["error 400", { endpoint: "error", fault: { _tag: "Status", status: 400 } }],
  ["error 403", { endpoint: "error", fault: { _tag: "Status", status: 403 } }],
  ["response reset", { endpoint: "response", fault: { _tag: "Reset" } }],
  ["error reset", { endpoint: "error", fault: { _tag: "Reset" } }],
  ["next no request id", { endpoint: "next", fault: { _tag: "Malformed", malformation: "NoRequestId" } }],
  ["next bad deadline", { endpoint: "next", fault: { _tag: "Malformed", malformation: "BadDeadline" } }],
  ["next invalid JSON", { endpoint: "next", fault: { _tag: "Malformed", malformation: "InvalidJson" } }]
]

/** What the API saw for one request id, kept small: 100,000 of these live until the end. */
interface Seen {
  handedOut: boolean
  accepted: number
  /** A fault ended this invocation (a refused or cut report, a malformed next). */
  endedByFault: boolean
}

/**
 * Runs the soak in the current scope's emulator (its own); the runtime process is the same
 * from start to end unless a fault stopped it, which `restarts` counts.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: Options): Effect.Effect<Report, Emulator.EmulatorError | Harness.WaitTimedOut> =>
  Effect.gen(function*() {
    const seed = options.seed ?? (Date.now() % 2 ** 31)
    const next = random(seed)
    const total = options.invocations
    const warmup = options.warmup ?? Math.min(1000, Math.floor(total / 10))
    const faultRate = options.faultRate ?? 0.01
    const seen = new Map<string, Seen>()
    const seenFor = (id: string) => {
      let entry = seen.get(id)
      if (entry === undefined) seen.set(id, entry = { handedOut: false, accepted: 0, endedByFault: false })
      return entry
    }
    let armed = false
    let refusedReports = 0
    const problems: Array<string> = []
    const problem = (text: string) => void (problems.length < 20 && problems.push(text))
    const recentLogs: Array<string> = []

    const onRuntimeCall = (call: Emulator.RuntimeCall) => {
      // One fault armed at a time: two Close faults in a row on `next` would stop the runtime, by design.
      if (call.fault !== undefined) armed = false
      if (call.requestId === undefined) return
      const entry = seenFor(call.requestId)
      if (call.endpoint === "next") {
        if (call.status === 200 || call.fault === "Reset") entry.handedOut = true
        if (call.fault === "Malformed") entry.endedByFault = true
        return
      }
      if (call.status === 202) entry.accepted++
      else if (call.fault === "Status" || call.fault === "Reset") entry.endedByFault = true
      else if (call.fault === undefined && call.status !== undefined) refusedReports++
    }

    const nodeOptions = [
      ...(options.heapProbe === true
        ? [`--import ${Path.join(Harness.repoRoot(), "packages", "e2e", "probe", "heapProbe.mjs")}`]
        : []),
      ...(options.nodeOptions === undefined ? [] : [options.nodeOptions])
    ].join(" ")
    const emulator = yield* Emulator.make({
      functionDir: options.functionDir ?? Harness.conformanceDir(),
      timeout: "10 seconds",
      env: {
        AWS_LAMBDA_LOG_LEVEL: "WARN",
        ...(nodeOptions === "" ? {} : { NODE_OPTIONS: nodeOptions }),
        ...options.env
      },
      onLog: (line) => {
        options.onLog?.(line)
        const probed = /^heap-probe ([0-9]+) /.exec(line)
        if (probed !== null) {
          heapSamplesKb.push(Number(probed[1]))
          heapProbeLines.push(line)
          return
        }
        if (line.includes("runtime stopped")) problem(`runtime log: ${line}`)
        recentLogs.push(line)
        if (recentLogs.length > 50) recentLogs.shift()
      },
      onRuntimeCall
    })

    const heapSamplesKb: Array<number> = []
    const heapProbeLines: Array<string> = []
    const pids = new Set<number>()
    const samplePid = () => {
      const pid = proc.childrenRunning(process.pid, "dist/main.mjs").find(proc.isAlive)
      if (pid !== undefined) pids.add(pid)
      return pid
    }
    const rss = () => {
      const pid = samplePid()
      if (pid !== undefined && options.heapProbe === true) process.kill(pid, "SIGUSR2")
      return pid === undefined ? undefined : proc.rssKb(pid)
    }

    const outcomes = new Map<string, boolean>()
    const faultsByKind: Record<string, number> = {}
    let faultsInjected = 0
    let started = 0
    let done = 0
    let rssBaselineKb = 0
    const rssSamplesKb: Array<number> = []
    const step = Math.max(1, Math.floor(total / 10))

    const invokeOne = (i: number) =>
      Effect.gen(function*() {
        if (!armed && next() < faultRate) {
          const [kind, rule] = survivable[Math.floor(next() * survivable.length)]!
          armed = true
          faultsInjected++
          faultsByKind[kind] = (faultsByKind[kind] ?? 0) + 1
          yield* emulator.injectFault(rule)
        }
        let op = pickOp(next, i)
        while (options.ops !== undefined && !options.ops.includes(op.op)) op = pickOp(next, i)
        const outcome = Harness.decode(yield* emulator.invoke(JSON.stringify(op)))
        if (outcomes.has(outcome.requestId)) problem(`request id ${outcome.requestId} answered to two invokers`)
        outcomes.set(outcome.requestId, expected(op, outcome))
        done++
        if (done === warmup) rssBaselineKb = rss() ?? 0
        if (done > warmup && done % step === 0) {
          const now = rss()
          if (now !== undefined) rssSamplesKb.push(now)
          options.onProgress?.(done, now)
        }
      })

    const worker = Effect.gen(function*() {
      while (started < total) {
        const i = started++
        yield* invokeOne(i)
      }
    })

    const startedAt = performance.now()
    yield* Effect.all(Array.from({ length: options.concurrency ?? 8 }, () => worker), { concurrency: "unbounded" })
    const durationMs = performance.now() - startedAt
    if (warmup === 0 || rssBaselineKb === 0) rssBaselineKb = rssSamplesKb[0] ?? 0
    const rssEndKb = rss() ?? 0

    // A report the runtime sends after its invoker was answered (a retry after a reset) may still
    // be on its way: wait until the runtime is back in `next`.
    yield* Effect.sleep("200 millis")

    let lost = 0
    let duplicated = 0
    let wrongOutcome = 0
    for (const [id, ok] of outcomes) {
      const entry = seen.get(id)
      if (entry === undefined || !entry.handedOut) {
        lost++
        problem(`${id} was answered but never handed to the runtime`)
        continue
      }
      if (entry.accepted > 1) {
        duplicated++
        problem(`${id} has ${entry.accepted} accepted reports`)
      }
      if (entry.accepted === 0 && !entry.endedByFault) {
        lost++
        problem(`${id} got no report`)
      }
      if (!ok && !entry.endedByFault) {
        wrongOutcome++
        problem(`${id} got the wrong outcome`)
      }
    }
    if (problems.length > 0) problems.push(...recentLogs.slice(-10).map((l) => `log: ${l}`))
    return {
      seed,
      invocations: total,
      answered: outcomes.size,
      lost,
      duplicated,
      wrongOutcome,
      refusedReports,
      faultsInjected,
      faultsByKind,
      restarts: Math.max(0, pids.size - 1),
      rssBaselineKb,
      rssEndKb,
      rssGrowthKb: rssEndKb - rssBaselineKb,
      rssSamplesKb,
      heapSamplesKb,
      heapProbeLines,
      durationMs,
      problems
    } satisfies Report
  }).pipe(Effect.scoped)

/**
 * The report as lines for a terminal.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (report: Report): string =>
  [
    `soak: ${report.invocations} invocations in ${(report.durationMs / 1000).toFixed(1)} s ` +
    `(${Math.round(report.invocations / (report.durationMs / 1000))}/s), seed ${report.seed}`,
    `answered ${report.answered}, lost ${report.lost}, duplicated ${report.duplicated}, wrong outcome ${report.wrongOutcome}, runtime restarts ${report.restarts}`,
    `faults injected ${report.faultsInjected}: ${
      Object.entries(report.faultsByKind).map(([k, n]) => `${k} ${n}`).join(", ")
    }`,
    `reports refused without a fault (runtime follow-ups after one): ${report.refusedReports}`,
    `runtime RSS: ${(report.rssBaselineKb / 1024).toFixed(1)} MiB after warm-up -> ${
      (report.rssEndKb / 1024).toFixed(1)
    } MiB at the end ` +
    `(growth ${(report.rssGrowthKb / 1024).toFixed(2)} MiB); every 10%: ${
      report.rssSamplesKb.map((kb) => (kb / 1024).toFixed(1)).join(" ")
    }`,
    ...(report.heapSamplesKb.length === 0 ? [] : [
      `runtime live heap after a full GC, baseline then every 10%: ${
        report.heapSamplesKb.map((kb) => (kb / 1024).toFixed(1)).join(" ")
      } MiB`
    ]),
    ...report.problems.map((p) => `problem: ${p}`)
  ].join("\n")
