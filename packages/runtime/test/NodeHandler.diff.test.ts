// The drop-in differential test: every fixture of `utils/dropInCases.ts` runs under AWS's own
// client (aws-lambda-ric 4.x on Node 22, built once into bench/.peers by bench/setup-peers.mjs,
// then cached) and under the drop-in runner (bundled as a user's bootstrap would be, on the same
// Node 22), each against a real Runtime API on 127.0.0.1; the outcomes must be identical: init
// error (headers, body), response or error report (path, headers, body, trailers), exit code and
// stdout lines. Building the peer takes minutes (curl and aws-lambda-cpp compile): under CI=true
// (`.ci/run`) it is built when missing; elsewhere the test runs when `node bench/setup-peers.mjs`
// (or an earlier CI-mode run) has built it, and skips, loudly, when not.
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { bundleRunner as bundle } from "./utils/bundleRunner.js"
import { cases } from "./utils/dropInCases.js"
import { normaliser, type Outcome, runOnce } from "./utils/dropInHarness.js"

const here = dirname(fileURLToPath(import.meta.url))
const setupPeers = join(here, "../../../bench/setup-peers.mjs")

interface Peers {
  readonly node: string
  readonly nodeVersion: string
  readonly ricEntry?: string
  readonly ricVersion?: string
  readonly note?: string
}

const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false"
const setup = await import(/* @vite-ignore */ setupPeers)
const peers: Peers | undefined = ci
  ? await setup.ensurePeers({ say: (m: string) => console.log(`[dropin diff] ${m}`) })
  : setup.installedPeers()
const skipReason = peers === undefined
  ? "aws-lambda-ric is not built (`node bench/setup-peers.mjs` builds it; CI=true does too): the drop-in differential test is SKIPPED"
  : peers.ricEntry === undefined
  ? `aws-lambda-ric could not be built here (${
    peers.note ?? "unknown reason"
  }): the drop-in differential test is SKIPPED`
  : undefined
if (skipReason !== undefined) console.warn(`\n!!! ${skipReason}\n`)

const work = mkdtempSync(join(tmpdir(), "dropin-diff-"))
const runner = join(work, "runner.mjs")

const bundleRunner = () => bundle(runner)

const writeCase = (index: number, files: Readonly<Record<string, string>>, client: string): string => {
  const root = join(work, `case-${index}-${client}`)
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true })
    writeFileSync(join(root, file), content)
  }
  return root
}

// Both clients of one case run at once; cases run a few at a time (2 cores, shared).
const runCase = async (
  index: number
): Promise<{ ric: unknown; ours: unknown; raw: { ric: Outcome; ours: Outcome } }> => {
  const c = cases[index]!
  const run = (entry: string, client: string) => {
    const taskRoot = writeCase(index, c.files, client)
    return runOnce({
      node: peers!.node,
      entry,
      taskRoot,
      handler: c.handler,
      event: c.event ?? JSON.stringify({ case: index }),
      requestId: `req-${index}`,
      // Generous: on a loaded 2-core machine a process start alone can take seconds.
      timeoutMs: 45_000,
      ...(c.env ? { env: c.env } : {}),
      ...(c.nextHeaders ? { nextHeaders: c.nextHeaders } : {})
    }).then((outcome) => ({ outcome, taskRoot }))
  }
  const [ric, ours] = await Promise.all([run(peers!.ricEntry!, "ric"), run(runner, "ours")])
  return {
    ric: normaliser(ric.taskRoot)(ric.outcome),
    ours: normaliser(ours.taskRoot)(ours.outcome),
    raw: { ric: ric.outcome, ours: ours.outcome }
  }
}

// DROPIN_ONLY=a|b runs (and checks) only the cases whose name contains one of these texts.
const only = process.env.DROPIN_ONLY
const selected = (name: string) => only === undefined || only.split("|").some((o) => name.includes(o))

let results: Promise<Array<Awaited<ReturnType<typeof runCase>>>> | undefined
const allResults = () =>
  results ??= bundleRunner().then(async () => {
    const out: Array<Awaited<ReturnType<typeof runCase>>> = new Array(cases.length)
    let next = 0
    const worker = async () => {
      while (next < cases.length) {
        const i = next++
        if (!selected(cases[i]!.name)) continue
        out[i] = await runCase(i)
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    rmSync(work, { recursive: true, force: true })
    return out
  })

describe.skipIf(skipReason !== undefined)(
  `drop-in runner vs aws-lambda-ric ${peers?.ricVersion ?? ""} (node ${peers?.nodeVersion ?? "-"})`,
  () => {
    let outcomes: Awaited<ReturnType<typeof allResults>> = []
    // All cases run up front, a few at a time: ~100 processes, seconds on an idle machine, minutes
    // on a saturated one, hence the generous bound.
    beforeAll(async () => {
      outcomes = await allResults()
    }, 900_000)
    cases.forEach((c, index) => {
      it.skipIf(!selected(c.name))(c.name, () => {
        const { ours, raw, ric } = outcomes[index]!
        // A case that gives AWS's client no outcome at all would compare nothing: refuse it.
        expect(raw.ric.timedOut, `aws-lambda-ric timed out; stderr: ${raw.ric.stderr}`).toBeFalsy()
        expect(raw.ric.initError ?? raw.ric.report ?? raw.ric.exitCode, "no outcome").toBeDefined()
        expect(ours, `stderr (ours): ${raw.ours.stderr}`).toEqual(ric)
      })
    })
  }
)
