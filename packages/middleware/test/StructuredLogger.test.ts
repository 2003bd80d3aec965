import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger"
import { StructuredLogger } from "@effect-lambda/middleware"
import { Handler, LambdaContext } from "@effect-lambda/runtime"
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"

const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

/**
 * What Powertools' logger prints for `logger.info(message, extra)` in the same invocation: its
 * Lambda context is built from ours the way AWS's Node client builds it (memory size as the
 * environment's string), and `_X_AMZN_TRACE_ID` holds the invocation's trace header.
 */
const powertoolsRecord = (
  logger: PowertoolsLogger,
  ctx: LambdaContext.LambdaContextShape,
  message: string,
  extra: Record<string, unknown>
): Record<string, unknown> => {
  logger.addContext({
    callbackWaitsForEmptyEventLoop: true,
    functionName: ctx.functionName,
    functionVersion: ctx.functionVersion,
    invokedFunctionArn: ctx.invokedFunctionArn,
    memoryLimitInMB: String(ctx.memoryLimitInMB),
    awsRequestId: ctx.requestId,
    logGroupName: ctx.logGroupName,
    logStreamName: ctx.logStreamName,
    getRemainingTimeInMillis: () => 1000,
    done: () => {},
    fail: () => {},
    succeed: () => {}
  } as never)
  const lines: Array<string> = []
  const write = process.stdout.write
  const trace = process.env._X_AMZN_TRACE_ID
  process.env._X_AMZN_TRACE_ID = ctx.traceId
  process.stdout.write = ((chunk: string) => lines.push(String(chunk))) as never
  try {
    logger.info(message, extra)
  } finally {
    process.stdout.write = write
    if (trace === undefined) delete process.env._X_AMZN_TRACE_ID
    else process.env._X_AMZN_TRACE_ID = trace
  }
  return JSON.parse(lines.join(""))
}

describe("StructuredLogger", () => {
  it.effect("same record as @aws-lambda-powertools/logger for the same invocation, key by key and in order", () =>
    Effect.gen(function*() {
      const ours: Array<Record<string, unknown>> = []
      const theirs: Array<Record<string, unknown>> = []
      // Powertools only counts a cold start in an on-demand environment, as Lambda's variable says
      process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand"
      const powertools = new PowertoolsLogger({ serviceName: "orders" })
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE
      const handler = Handler.make({
        handle: () =>
          Effect.gen(function*() {
            const ctx = yield* LambdaContext.LambdaContext
            theirs.push(powertoolsRecord(powertools, ctx, "order placed", { orderId: "o-1" }))
            yield* Effect.log("order placed", { orderId: "o-1" })
            return "ok"
          })
      })
      const layer = StructuredLogger.layer({ service: "orders", write: (line) => ours.push(JSON.parse(line)) })
      // LambdaTest's environment says AWS_LAMBDA_LOG_LEVEL=ERROR; Powertools' default is INFO
      const { api } = yield* LambdaTest.start(handler, layer, { env: { AWS_LAMBDA_LOG_LEVEL: "INFO" } })
      const reports = [
        yield* api.report(yield* api.enqueue({}, { traceId: TRACE })),
        yield* api.report(yield* api.enqueue({}, { traceId: TRACE }))
      ]
      expect(reports.map((r) => r.body)).toStrictEqual(["\"ok\"", "\"ok\""])
      expect(ours).toHaveLength(2)
      for (let i = 0; i < 2; i++) {
        const { timestamp: a, ...mine } = ours[i]!
        const { timestamp: b, ...reference } = theirs[i]!
        expect(Object.keys(mine)).toStrictEqual(Object.keys(reference))
        expect(mine).toStrictEqual(reference)
        expect(a).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        expect(b).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      }
      expect(ours.map((r) => r.cold_start)).toStrictEqual([true, false])
      expect(ours[0]).toMatchObject({
        level: "INFO",
        service: "orders",
        function_name: "test_function",
        function_memory_size: "128",
        xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
        orderId: "o-1"
      })
    }).pipe(Effect.scoped))

  it.effect("annotations and spans are keys; a cause is Powertools' error object; Fatal is CRITICAL", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const handler = Handler.make({
        handle: () =>
          Effect.logFatal("failed", new Error("card declined")).pipe(
            Effect.zipRight(Effect.logError("boom").pipe(Effect.annotateLogs("cause", "x"))),
            Effect.zipRight(Effect.failCause(Effect.runSync(Effect.cause(Effect.fail(new TypeError("bad")))))),
            Effect.catchAllCause((cause) => Effect.logError("caught", cause)),
            Effect.annotateLogs({ tenant: "acme" }),
            Effect.withLogSpan("checkout")
          )
      })
      const layer = StructuredLogger.layer({
        service: "s",
        persistentKeys: { region: "eu" },
        write: (line) => lines.push(JSON.parse(line))
      })
      yield* LambdaTest.invoke(handler, {}, { layer })
      expect(lines.map((l) => l.level)).toStrictEqual(["CRITICAL", "ERROR", "ERROR"])
      expect(lines[0]).toMatchObject({ tenant: "acme", region: "eu" })
      expect(typeof lines[0]!.checkout).toBe("number")
      expect(lines[1]).toMatchObject({ cause: "x", message: "boom" })
      expect(lines[2]!.error).toMatchObject({ name: "TypeError", message: "bad" })
      expect((lines[2]!.error as any).location).toMatch(/StructuredLogger\.test\.ts:\d+$/)
    }))

  it.effect("debug logs only in sampled invocations; the level comes from POWERTOOLS_LOG_LEVEL", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const draws = [0.05, 0.5, 0.09]
      const handler = Handler.make({
        handle: () => Effect.logDebug("detail").pipe(Effect.zipRight(Effect.logInfo("done")))
      })
      const layer = StructuredLogger.layer({
        service: "s",
        sampleRate: 0.1,
        random: () => draws.shift() ?? 1,
        write: (line) => lines.push(JSON.parse(line))
      })
      const { api } = yield* LambdaTest.start(handler, layer, { env: { AWS_LAMBDA_LOG_LEVEL: "INFO" } })
      for (let i = 0; i < 3; i++) yield* api.report(yield* api.enqueue({}))
      expect(lines.map((l) => `${l.level}:${l.message}`)).toStrictEqual([
        "DEBUG:detail",
        "INFO:done",
        "INFO:done",
        "DEBUG:detail",
        "INFO:done"
      ])
      expect(lines.every((l) => l.sampling_rate === 0.1)).toBe(true)

      const fromEnv = yield* Layer.build(StructuredLogger.layer()).pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["POWERTOOLS_LOG_LEVEL", "warn"], ["POWERTOOLS_SERVICE_NAME", "env-svc"]]))
        )
      )
      const structured = (fromEnv as any).unsafeMap.get(StructuredLogger.StructuredLogger.key)
      expect(structured.logLevel).toBe(LogLevel.Warning)
      expect(structured.service).toBe("env-svc")
    }).pipe(Effect.scoped))

  it.effect("no cold start in a provisioned-concurrency environment", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const handler = Handler.make({ handle: () => Effect.logError("x") })
      const layer = StructuredLogger.layer({ service: "s", write: (line) => lines.push(JSON.parse(line)) })
      yield* LambdaTest.invoke(handler, {}, {
        layer,
        env: { AWS_LAMBDA_INITIALIZATION_TYPE: "provisioned-concurrency" }
      })
      expect(lines[0]?.cold_start).toBe(false)
    }))

  it.effect("a bad sample rate or level fails the layer with a ConfigError", () =>
    Effect.gen(function*() {
      for (const env of [[["POWERTOOLS_LOGGER_SAMPLE_RATE", "2"]], [["POWERTOOLS_LOG_LEVEL", "LOUD"]]] as const) {
        const error = yield* Layer.build(StructuredLogger.layer()).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(env))),
          Effect.scoped,
          Effect.flip
        )
        expect(ConfigError.isConfigError(error)).toBe(true)
      }
    }))
})
