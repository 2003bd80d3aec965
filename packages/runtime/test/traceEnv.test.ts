import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as TraceEnv from "../src/internal/traceEnv.js"

const childSees = () => execFileSync("sh", ["-c", "printf %s \"${_X_AMZN_TRACE_ID-unset}\""]).toString()

describe("_X_AMZN_TRACE_ID in JS memory", () => {
  it("reads, enumerates, passes to child processes and clears like a real variable", () => {
    const set = TraceEnv.setter()
    set("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    expect(process.env._X_AMZN_TRACE_ID).toBe(
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    )
    expect("_X_AMZN_TRACE_ID" in process.env).toBe(true)
    expect(Object.keys(process.env)).toContain("_X_AMZN_TRACE_ID")
    expect({ ...process.env }._X_AMZN_TRACE_ID).toMatch(/^Root=1-/)
    expect(childSees()).toMatch(/^Root=1-5759e988/)
    set(undefined)
    expect(process.env._X_AMZN_TRACE_ID).toBeUndefined()
    expect("_X_AMZN_TRACE_ID" in process.env).toBe(false)
    expect(childSees()).toBe("unset")
  })

  it("user code can still set and delete it, and other variables go to the real environment", () => {
    const set = TraceEnv.setter()
    process.env._X_AMZN_TRACE_ID = "Root=1-user"
    expect(childSees()).toBe("Root=1-user")
    delete process.env._X_AMZN_TRACE_ID
    expect(childSees()).toBe("unset")
    process.env.EFFECT_LAMBDA_TRACE_ENV_TEST = "other"
    expect(execFileSync("sh", ["-c", "printf %s \"$EFFECT_LAMBDA_TRACE_ENV_TEST\""]).toString()).toBe("other")
    delete process.env.EFFECT_LAMBDA_TRACE_ENV_TEST
    // installing twice keeps one proxy and one value
    TraceEnv.setter()("Root=1-again")
    set(undefined)
    expect(process.env._X_AMZN_TRACE_ID).toBeUndefined()
  })
})
