/**
 * Fault injection on the Runtime API: a seam for the reliability tests of issue 5. Rules match an
 * endpoint (or any) and optionally the n-th call of it, counted from the emulator's start.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"

export type RuntimeEndpoint = "next" | "response" | "error" | "init-error"

export type Fault =
  | { readonly _tag: "Status"; readonly status: number }
  | { readonly _tag: "Delay"; readonly millis: number }
  | { readonly _tag: "Close" }

export interface FaultRule {
  readonly endpoint: RuntimeEndpoint | "any"
  /** 1-based call number of that endpoint; omitted: the next matching call. */
  readonly call?: number
  readonly fault: Fault
  /** Default true: the rule is removed once it fired. */
  readonly once?: boolean
}

interface FaultState {
  readonly counts: Readonly<Record<RuntimeEndpoint, number>>
  readonly rules: ReadonlyArray<FaultRule>
}

export interface Faults {
  readonly add: (rule: FaultRule) => Effect.Effect<void>
  /** Counts the call and returns the fault to apply to it, if any. */
  readonly check: (endpoint: RuntimeEndpoint) => Effect.Effect<Fault | undefined>
}

export const make: Effect.Effect<Faults> = Effect.map(
  Ref.make<FaultState>({ counts: { next: 0, response: 0, error: 0, "init-error": 0 }, rules: [] }),
  (ref) => ({
    add: (rule) => Ref.update(ref, (s) => ({ ...s, rules: [...s.rules, rule] })),
    check: (endpoint) =>
      Ref.modify(ref, (s) => {
        const call = s.counts[endpoint] + 1
        const counts = { ...s.counts, [endpoint]: call }
        const index = s.rules.findIndex((r) =>
          (r.endpoint === "any" || r.endpoint === endpoint) && (r.call === undefined || r.call === call)
        )
        if (index < 0) return [undefined, { counts, rules: s.rules }]
        const rule = s.rules[index]!
        const rules = rule.once === false ? s.rules : s.rules.filter((_, i) => i !== index)
        return [rule.fault, { counts, rules }]
      })
  })
)
