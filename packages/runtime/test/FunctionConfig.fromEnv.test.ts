// FunctionConfig.fromEnv (runMain's start, without effect/Config) must read exactly what
// FunctionConfig.config reads, and give None wherever config would fail (so that runMain then
// goes through config and reports the same ConfigError).
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as fc from "fast-check"
import * as FunctionConfig from "../src/FunctionConfig.js"

const values = (...vs: Array<string>) => fc.option(fc.constantFrom(...vs), { nil: undefined })

const env = fc.record({
  AWS_LAMBDA_RUNTIME_API: values("127.0.0.1:9001", "", "[::1]:80"),
  _HANDLER: values("", "main.handler"),
  LAMBDA_TASK_ROOT: values("/var/task"),
  AWS_LAMBDA_FUNCTION_NAME: values("f"),
  AWS_LAMBDA_FUNCTION_VERSION: values("7"),
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: values("128", "", "1.5", "abc", "-3", "1e3", " 64 "),
  AWS_LAMBDA_LOG_GROUP_NAME: values("/aws/lambda/f"),
  AWS_LAMBDA_LOG_STREAM_NAME: values("s"),
  AWS_REGION: values("eu-west-1"),
  AWS_LAMBDA_LOG_FORMAT: values("JSON", "json", "Text", "xml"),
  AWS_LAMBDA_LOG_LEVEL: values("debug", "WARN", "FATAL", "verbose", ""),
  AWS_LAMBDA_INITIALIZATION_TYPE: values("snap-start"),
  AWS_LAMBDA_MAX_CONCURRENCY: values("1", "4", "0", "x", "2.5")
}, { requiredKeys: [] })

const viaConfig = (vars: Record<string, string | undefined>) => {
  const map = new Map(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined))
  return Effect.runSync(
    Effect.either(Effect.withConfigProvider(FunctionConfig.config, ConfigProvider.fromMap(map)))
  )
}

describe("FunctionConfig.fromEnv", () => {
  it("reads what FunctionConfig.config reads, and None wherever config fails", () =>
    fc.assert(
      fc.property(env, (vars) => {
        const fast = FunctionConfig.fromEnv(vars)
        const slow = viaConfig(vars)
        if (Either.isLeft(slow)) expect(Option.isNone(fast)).toBe(true)
        // An empty AWS_LAMBDA_RUNTIME_API is left to the Config path (RuntimeApi.layerConfig refuses it).
        else if (slow.right.runtimeApi === "") expect(Option.isNone(fast)).toBe(true)
        else expect(Option.getOrUndefined(fast)).toEqual(slow.right)
      }),
      { numRuns: 500 }
    ))

  it("reads a typical Lambda environment", () => {
    const config = FunctionConfig.fromEnv({
      AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128"
    })
    expect(Option.map(config, (c) => [c.runtimeApi, c.memorySizeMb, c.maxConcurrency, c.logFormat])).toEqual(
      Option.some(["127.0.0.1:9001", 128, 1, "Text"])
    )
  })
})
