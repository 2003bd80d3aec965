import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import * as FunctionConfig from "../src/FunctionConfig.js"
import * as LambdaContext from "../src/LambdaContext.js"
import * as LambdaLogger from "../src/LambdaLogger.js"

const config = {
  functionName: "f",
  functionVersion: "1",
  memorySizeMb: 128,
  logGroupName: "g",
  logStreamName: "s"
} as FunctionConfig.FunctionConfig
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
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t-\tINFO\tduring init\n$/)
      expect(lines[1]).toMatch(/\treq-1\tWARN\ttwo\rlines 42\n$/)
    }))

  it.effect("layerWith over a Lambda logger already installed leaves one: each line is written once", () =>
    Effect.gen(function*() {
      const first: Array<string> = []
      const second: Array<string> = []
      // what runMain does: init logging in Text, then the function's own format, over it
      yield* Effect.log("once").pipe(
        Effect.provide(
          LambdaLogger.layerWith({ logFormat: "JSON", logLevel: LogLevel.All, sink: (l) => void second.push(l) })
        ),
        Effect.provide(
          LambdaLogger.layerWith({ logFormat: "Text", logLevel: LogLevel.All, sink: (l) => void first.push(l) })
        )
      )
      expect(first).toEqual([])
      expect(second.map((line) => JSON.parse(line).message)).toEqual(["once"])
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
      expect(entry).toMatchObject({
        level: "ERROR",
        requestId: "req-1",
        tenantId: "tenant-9",
        orderId: "o-1",
        big: "5"
      })
      expect(entry.message).toContain("order: 7")
      expect(typeof entry.timestamp).toBe("string")
    }))

  it.effect("JSON: a cause adds errorType, errorMessage and stackTrace", () =>
    Effect.gen(function*() {
      const lines = yield* capture(
        "JSON",
        LogLevel.All,
        Effect.logError("boom", new TypeError("bad thing")).pipe(Effect.asVoid)
      )
      const withCause = yield* capture(
        "JSON",
        LogLevel.All,
        Effect.logError("boom").pipe(
          Effect.annotateLogs("x", 1),
          Effect.zipRight(Effect.die(new TypeError("bad"))),
          Effect.catchAllCause((cause) => Effect.logError("caught", cause))
        )
      )
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
        Effect.all([
          Effect.logDebug("d"),
          Effect.logInfo("i"),
          Effect.logWarning("w"),
          Effect.logError("e"),
          Effect.logFatal("f")
        ]).pipe(Effect.asVoid)
      )
      expect(lines.map((line) => line.split("\t")[2])).toEqual(["WARN", "ERROR", "FATAL"])
    }))

  it.effect("reads format and level from the environment", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        FunctionConfig.config.pipe(
          Effect.withConfigProvider(
            ConfigProvider.fromMap(new Map(Object.entries({ AWS_LAMBDA_RUNTIME_API: "x", ...env })))
          )
        )
      expect((yield* read({ AWS_LAMBDA_LOG_FORMAT: "json" })).logFormat).toBe("JSON")
      expect((yield* read({ AWS_LAMBDA_LOG_FORMAT: "whatever" })).logFormat).toBe("Text")
      expect((yield* read({ AWS_LAMBDA_LOG_LEVEL: "debug" })).logLevel).toBe(LogLevel.Debug)
      expect((yield* read({})).logLevel).toBe(LogLevel.Trace)
      expect((yield* Effect.either(read({ AWS_LAMBDA_LOG_LEVEL: "LOUD" })))._tag).toBe("Left")
      expect((yield* Effect.either(read({ AWS_LAMBDA_MAX_CONCURRENCY: "0" })))._tag).toBe("Left")
    }))
})

describe("LambdaLogger.patchConsole (console.* in Lambda's formats)", () => {
  const withConsole = async (
    logFormat: FunctionConfig.LogFormat,
    logLevel: LogLevel.LogLevel,
    body: () => unknown
  ): Promise<Array<string>> => {
    const lines: Array<string> = []
    const restore = LambdaLogger.patchConsole({ logFormat, logLevel, sink: (line) => void lines.push(line) })
    try {
      await body()
    } finally {
      restore()
    }
    return lines
  }
  const inInvocation = <A>(effect: Effect.Effect<A>, id = "req-1") =>
    effect.pipe(
      Effect.provideService(LambdaContext.LambdaContext, LambdaContext.make({ ...invocation, requestId: id }, config))
    )

  it("Text: util.format'd, request id per invocation, `-` at init (as aws-lambda-ric 4.x), new lines as \\r, console.log is INFO", async () => {
    const lines = await withConsole("Text", LogLevel.All, () => {
      console.log("init", 1)
      return Effect.runPromise(inInvocation(Effect.sync(() => {
        console.log("x", { a: 1 })
        console.warn("two\nlines")
        console.error(new TypeError("bad"))
        ;(console as unknown as { fatal: (m: string) => void }).fatal("gone")
      })))
    })
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t-\tINFO\tinit 1\n$/)
    expect(lines[1]).toMatch(/\treq-1\tINFO\tx \{ a: 1 \}\n$/)
    expect(lines[2]).toMatch(/\treq-1\tWARN\ttwo\rlines\n$/)
    expect(lines[3]).toMatch(/\treq-1\tERROR\tTypeError: bad\r {4}at /)
    expect(lines[3]!.split("\n")).toHaveLength(2) // one entry, one line
    expect(lines[4]).toMatch(/\treq-1\tFATAL\tgone\n$/)
  })

  it("JSON: one value stays a value, several are util.format'd with the first Error's fields, tenantId kept", async () => {
    const lines = await withConsole("JSON", LogLevel.All, () =>
      Effect.runPromise(inInvocation(Effect.sync(() => {
        console.info({ order: 7 })
        console.error("failed:", new RangeError("out"), 3)
        console.log(new TypeError("alone"))
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        console.log(cyclic)
      }))))
    const [value, formatted, error, cyclic] = lines.map((line) => JSON.parse(line))
    expect(value).toMatchObject({ level: "INFO", requestId: "req-1", tenantId: "tenant-9", message: { order: 7 } })
    expect(Object.keys(value)).toEqual(["timestamp", "level", "requestId", "tenantId", "message"])
    expect(formatted).toMatchObject({ level: "ERROR", errorType: "RangeError", errorMessage: "out" })
    expect(formatted.message).toMatch(/^failed: RangeError: out\n {4}at /)
    expect(formatted.stackTrace[0]).toBe("RangeError: out")
    expect(error.message).toMatchObject({ errorType: "TypeError", errorMessage: "alone" })
    expect(cyclic.message).toBe("<ref *1> { self: [Circular *1] }")
  })

  it("JSON outside any invocation: requestId is `-` (as aws-lambda-ric 4.x), no tenantId", async () => {
    const lines = await withConsole("JSON", LogLevel.All, () => console.log("at init"))
    const entry = JSON.parse(lines[0]!)
    expect(Object.keys(entry)).toEqual(["timestamp", "level", "requestId", "message"])
    expect(entry).toMatchObject({ level: "INFO", requestId: "-", message: "at init" })
  })

  it("code outside fibers takes the invocation from @aws/lambda-invoke-store's current context", async () => {
    const awslambda = ((globalThis as any).awslambda ??= {})
    const saved = awslambda.InvokeStore
    let current: Record<symbol, unknown> | undefined
    awslambda.InvokeStore = { get: (key: symbol) => current?.[key] }
    try {
      const lines = await withConsole("JSON", LogLevel.All, () => {
        current = { [Symbol.for("_AWS_LAMBDA_REQUEST_ID")]: "req-s", [Symbol.for("_AWS_LAMBDA_TENANT_ID")]: "t-s" }
        console.log("in the store's context")
        current = undefined
        console.log("outside")
      })
      expect(lines.map((line) => JSON.parse(line)).map(({ requestId, tenantId }) => ({ requestId, tenantId })))
        .toEqual([{ requestId: "req-s", tenantId: "t-s" }, { requestId: "-", tenantId: undefined }])
    } finally {
      awslambda.InvokeStore = saved
    }
  })

  it("levels under AWS_LAMBDA_LOG_LEVEL are no-ops; fatal always writes", async () => {
    const lines = await withConsole("JSON", LogLevel.Warning, () => {
      const c = console as unknown as Record<string, (m: string) => void>
      for (const method of ["trace", "debug", "info", "log", "warn", "error", "fatal"]) c[method]!(method)
    })
    expect(lines.map((line) => JSON.parse(line).level)).toEqual(["WARN", "ERROR", "FATAL"])
    const none = await withConsole("Text", LogLevel.None, () => {
      console.error("e")
      ;(console as unknown as { fatal: (m: string) => void }).fatal("f")
    })
    expect(none.map((line) => line.split("\t")[2])).toEqual(["FATAL"])
  })

  it("withInvocation: plain async code (no fiber) keeps its invocation across awaits and timers", async () => {
    const lines = await withConsole(
      "Text",
      LogLevel.All,
      () =>
        Promise.all(
          ["p", "q"].map((id) =>
            LambdaLogger.withInvocation(
              LambdaContext.make({ ...invocation, requestId: id }, config),
              true,
              async () => {
                await new Promise((resolve) => setTimeout(resolve, id === "p" ? 10 : 1))
                console.log(`async ${id}`)
              }
            )
          )
        )
    )
    expect(lines.map((line) => line.trimEnd().split("\t").slice(1)).sort()).toEqual([["p", "INFO", "async p"], [
      "q",
      "INFO",
      "async q"
    ]])
  })

  it("restores the original console", async () => {
    const original = console.log
    await withConsole("Text", LogLevel.All, () => expect(console.log).not.toBe(original))
    expect(console.log).toBe(original)
    expect((console as unknown as { fatal?: unknown }).fatal).toBeUndefined()
  })

  it("concurrent invocations: each line carries its own request id, from fibers and from callbacks", async () => {
    const lines = await withConsole("Text", LogLevel.All, () =>
      Effect.runPromise(Effect.all(
        ["a", "b", "c"].map((id) =>
          inInvocation(
            Effect.gen(function*() {
              for (let i = 0; i < 3; i++) {
                console.log(`fiber ${id}`)
                yield* Effect.sleep(`${5 + (id.charCodeAt(0) % 3)} millis`)
              }
              // A callback outside any fiber, started after the fiber resumed several times.
              yield* Effect.promise(() =>
                new Promise<void>((resolve) =>
                  setTimeout(() => {
                    console.log(`callback ${id}`)
                    resolve()
                  }, 5 + (id.charCodeAt(0) % 3))
                )
              )
            }),
            id
          ).pipe(Effect.supervised(LambdaLogger.invocationSupervisor))
        ),
        { concurrency: "unbounded" }
      )))
    expect(lines).toHaveLength(12)
    for (const line of lines) {
      const [, requestId, , message] = line.trimEnd().split("\t")
      expect(message!.endsWith(` ${requestId}`)).toBe(true)
    }
  })
})
