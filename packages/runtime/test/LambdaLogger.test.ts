import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import * as FunctionConfig from "../src/FunctionConfig.js"
import * as LambdaContext from "../src/LambdaContext.js"
import * as LambdaLogger from "../src/LambdaLogger.js"

const config = { functionName: "f", functionVersion: "1", memorySizeMb: 128, logGroupName: "g", logStreamName: "s" } as FunctionConfig.FunctionConfig
const invocation = {
  requestId: "req-1",
  deadlineMs: 0,
  invokedFunctionArn: "",
  traceId: undefined,
  clientContext: undefined,
  cognitoIdentity: undefined,
  tenantId: "tenant-9",
  contentType: undefined,
  body: new Uint8Array()
}

const capture = (logFormat: FunctionConfig.LogFormat, logLevel: LogLevel.LogLevel, program: Effect.Effect<void>) => {
  const lines: Array<string> = []
  return Effect.as(
    Effect.provide(program, LambdaLogger.layerWith({ logFormat, logLevel, sink: (line) => void lines.push(line) })),
    lines
  )
}

describe("LambdaLogger", () => {
  it.effect("Text: timestamp, request id, level, message with new lines folded", () =>
    Effect.gen(function*() {
      const lines = yield* capture(
        "Text",
        LogLevel.All,
        Effect.gen(function*() {
          yield* Effect.log("during init")
          yield* Effect.logWarning("two\nlines", 42).pipe(
            Effect.provideService(LambdaContext.LambdaContext, LambdaContext.make(invocation, config))
          )
        })
      )
      expect(lines.length).toBe(2)
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tundefined\tINFO\tduring init\n$/)
      expect(lines[1]).toMatch(/\treq-1\tWARN\ttwo\rlines 42\n$/)
    }))

  it.effect("JSON: one object per line with requestId, tenantId and annotations", () =>
    Effect.gen(function*() {
      const lines = yield* capture(
        "JSON",
        LogLevel.All,
        Effect.logError("failed", { order: 7 }).pipe(
          Effect.annotateLogs({ orderId: "o-1", big: BigInt(5) as unknown as string }),
          Effect.provideService(LambdaContext.LambdaContext, LambdaContext.make(invocation, config))
        )
      )
      const entry = JSON.parse(lines[0]!)
      expect(entry).toMatchObject({ level: "ERROR", requestId: "req-1", tenantId: "tenant-9", orderId: "o-1", big: "5" })
      expect(entry.message).toContain("order: 7")
      expect(typeof entry.timestamp).toBe("string")
    }))

  it.effect("JSON: a cause adds errorType, errorMessage and stackTrace", () =>
    Effect.gen(function*() {
      const lines = yield* capture("JSON", LogLevel.All, Effect.logError("boom", new TypeError("bad thing")).pipe(Effect.asVoid))
      const withCause = yield* capture("JSON", LogLevel.All, Effect.logError("boom").pipe(Effect.annotateLogs("x", 1), Effect.zipRight(Effect.die(new TypeError("bad"))), Effect.catchAllCause((cause) => Effect.logError("caught", cause))))
      expect(JSON.parse(lines[0]!).message).toContain("bad thing")
      const caught = JSON.parse(withCause[1]!)
      expect(caught.errorType).toBe("TypeError")
      expect(caught.errorMessage).toBe("bad")
      expect(Array.isArray(caught.stackTrace)).toBe(true)
    }))

  it.effect("filters by AWS_LAMBDA_LOG_LEVEL", () =>
    Effect.gen(function*() {
      const lines = yield* capture(
        "Text",
        LogLevel.Warning,
        Effect.all([Effect.logDebug("d"), Effect.logInfo("i"), Effect.logWarning("w"), Effect.logError("e"), Effect.logFatal("f")]).pipe(Effect.asVoid)
      )
      expect(lines.map((line) => line.split("\t")[2])).toEqual(["WARN", "ERROR", "FATAL"])
    }))

  it.effect("reads format and level from the environment", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        FunctionConfig.config.pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ AWS_LAMBDA_RUNTIME_API: "x", ...env }))))
        )
      expect((yield* read({ AWS_LAMBDA_LOG_FORMAT: "json" })).logFormat).toBe("JSON")
      expect((yield* read({ AWS_LAMBDA_LOG_FORMAT: "whatever" })).logFormat).toBe("Text")
      expect((yield* read({ AWS_LAMBDA_LOG_LEVEL: "debug" })).logLevel).toBe(LogLevel.Debug)
      expect((yield* read({})).logLevel).toBe(LogLevel.Trace)
      expect((yield* Effect.either(read({ AWS_LAMBDA_LOG_LEVEL: "LOUD" })))._tag).toBe("Left")
      expect((yield* Effect.either(read({ AWS_LAMBDA_MAX_CONCURRENCY: "0" })))._tag).toBe("Left")
    }))
})
