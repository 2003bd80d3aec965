import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { parse } from "../src/internal/faultSpec.js"
import { echoFixture, oneErrorLine, runCli } from "./helpers.js"

describe("--fault", () => {
  it("reads endpoint, call (a number fires once, * on every call) and fault", () => {
    expect(parse("next:3:status=500")).toEqual(
      Either.right({ endpoint: "next", call: 3, fault: { _tag: "Status", status: 500 } })
    )
    expect(parse("response:*:delay=200")).toEqual(
      Either.right({ endpoint: "response", fault: { _tag: "Delay", duration: "200 millis" }, once: false })
    )
    expect(parse("any:1:close")).toEqual(Either.right({ endpoint: "any", call: 1, fault: { _tag: "Close" } }))
    expect(parse("error:2:reset")).toEqual(Either.right({ endpoint: "error", call: 2, fault: { _tag: "Reset" } }))
    expect(parse("init-error:1:status=403")).toEqual(
      Either.right({ endpoint: "init-error", call: 1, fault: { _tag: "Status", status: 403 } })
    )
    for (
      const [word, malformation] of [["no-request-id", "NoRequestId"], ["bad-deadline", "BadDeadline"], [
        "invalid-json",
        "InvalidJson"
      ]]
    ) {
      expect(parse(`next:1:${word}`)).toEqual(
        Either.right({ endpoint: "next", call: 1, fault: { _tag: "Malformed", malformation } })
      )
    }
  })

  it("says what is wrong with a bad spec", () => {
    const message = (spec: string) => Either.match(parse(spec), { onLeft: (m) => m, onRight: () => "" })
    expect(message("next:3")).toMatch(/expects <next\|response/)
    expect(message("nxt:3:close")).toMatch(/unknown endpoint 'nxt'/)
    expect(message("next:0:close")).toMatch(/call must be a number from 1 or \*/)
    expect(message("next:x:close")).toMatch(/call must be/)
    expect(message("next:1:status=42")).toMatch(/status must be an HTTP status code/)
    expect(message("next:1:status=")).toMatch(/status must be/)
    expect(message("next:1:delay=-1")).toMatch(/delay must be a whole number/)
    expect(message("next:1:close=1")).toMatch(/close takes no value/)
    expect(message("next:1:explode")).toMatch(/unknown fault 'explode'/)
  })

  it.live("invoke --fault response:1:status=413: the invoker gets Function.ResponseSizeTooLarge", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture, "--event", "{}", "--fault", "response:1:status=413"])
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stdout).errorType).toBe("Function.ResponseSizeTooLarge")
    }))

  it.live("--fault is repeatable; a bad one is a one-line usage error", () =>
    Effect.gen(function*() {
      const ok = yield* runCli([
        "invoke",
        echoFixture,
        "--event",
        "{}",
        "--fault",
        "next:*:delay=1",
        "--fault",
        "response:1:delay=1"
      ])
      expect(ok.code, ok.stderr).toBe(0)
      const bad = yield* runCli(["invoke", echoFixture, "--event", "{}", "--fault", "next:1:explode"])
      expect(bad.code).not.toBe(0)
      expect(oneErrorLine(bad.stderr)).toMatch(/unknown fault 'explode'/)
    }))
})
