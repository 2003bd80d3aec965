// The short soak (5,000 invocations through the emulator): out of the default `pnpm test`
// to keep it fast, run by CI (.ci/run sets EFFECT_LAMBDA_SOAK=1) and by
// `EFFECT_LAMBDA_SOAK=1 pnpm vitest run --project @effect-lambda/e2e soak`.
// `pnpm soak` runs 100,000 (see src/soakMain.ts).
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Soak } from "../src/index.js"

describe.runIf(process.env.EFFECT_LAMBDA_SOAK === "1")("soak (EFFECT_LAMBDA_SOAK=1)", () => {
  it.live("5,000 invocations with faults: none lost, none answered twice, no leak", () =>
    Effect.gen(function*() {
      const report = yield* Soak.run({
        invocations: 5_000,
        warmup: 1_000,
        faultRate: 0.02,
        // The bootstrap sizes V8's young generation from the memory size (9d567b9); before that,
        // V8 doubling it mid-run added ~17 MiB of RSS in one step with no live object behind it.
        heapProbe: true
      })
      console.log(Soak.format(report))
      expect(report.problems).toEqual([])
      expect(report.answered).toBe(5_000)
      expect(report.lost).toBe(0)
      expect(report.duplicated).toBe(0)
      expect(report.wrongOutcome).toBe(0)
      expect(report.restarts).toBe(0)
      expect(report.faultsInjected).toBeGreaterThan(0)
      expect(report.rssBaselineKb).toBeGreaterThan(0)
      expect(report.rssGrowthKb).toBeLessThan(5 * 1024)
      // the live heap after a full GC: what a leak would raise
      expect(report.heapSamplesKb.length).toBeGreaterThan(1)
      expect(report.heapSamplesKb.at(-1)! - report.heapSamplesKb[0]!).toBeLessThan(2 * 1024)
    }), 120_000)
})
