/**
 * A fixture that exercises every path of the runtime, for our own tests and for anyone checking
 * a Runtime API implementation. The event is a union on `op`; any other shape fails decoding.
 */
import { FunctionConfig, Handler, LambdaContext } from "@effect-lambda/runtime"
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"

const Echo = Schema.Struct({ op: Schema.Literal("echo"), value: Schema.Unknown })
const ContextOp = Schema.Struct({ op: Schema.Literal("context") })
const Fail = Schema.Struct({ op: Schema.Literal("fail"), tag: Schema.String, message: Schema.String })
const Throw = Schema.Struct({ op: Schema.Literal("throw"), message: Schema.String })
const Sleep = Schema.Struct({ op: Schema.Literal("sleep"), ms: Schema.NonNegative, value: Schema.Unknown })
const Big = Schema.Struct({ op: Schema.Literal("big"), bytes: Schema.NonNegativeInt })
const BigIntOp = Schema.Struct({ op: Schema.Literal("bigint") })
/** Writes through `console.*` (Lambda's formats) from the fiber and from a timer. */
const ConsoleOp = Schema.Struct({ op: Schema.Literal("console") })
/** A process-level crash while the invocation runs: a throw in a timer, or an unhandled rejection. */
const Crash = Schema.Struct({ op: Schema.Literal("crash"), kind: Schema.Literal("timer", "rejection") })

export const Event = Schema.Union(Echo, ContextOp, Fail, Throw, Sleep, Big, BigIntOp, ConsoleOp, Crash)
export type Event = typeof Event.Type

/** A failure whose tag the caller chooses, to check how tags become error types. */
export class ConformanceError extends Data.Error<{ readonly _tag: string; readonly message: string }> {}

/** The layer failed at init on purpose (`CONFORMANCE_INIT=fail`). */
export class InitBoom extends Schema.TaggedError<InitBoom>()("InitBoom", { message: Schema.String }) {}

const context = Effect.gen(function*() {
  const ctx = yield* LambdaContext.LambdaContext
  const config = yield* FunctionConfig.FunctionConfig
  const orNull = <A>(value: A | undefined) => value === undefined ? null : value
  return {
    requestId: ctx.requestId,
    deadlineMs: ctx.deadlineMs,
    invokedFunctionArn: ctx.invokedFunctionArn,
    traceId: orNull(ctx.traceId),
    traceEnv: orNull(process.env._X_AMZN_TRACE_ID),
    clientContext: orNull(ctx.clientContext),
    cognitoIdentity: orNull(ctx.cognitoIdentity),
    tenantId: orNull(ctx.tenantId),
    remainingTimeMs: yield* ctx.remainingTimeInMillis,
    functionName: ctx.functionName,
    functionVersion: ctx.functionVersion,
    memoryLimitInMB: ctx.memoryLimitInMB,
    logGroupName: config.logGroupName
  }
})

export const handler = Handler.make({
  event: Event,
  handle: (
    event
  ): Effect.Effect<unknown, ConformanceError, LambdaContext.LambdaContext | FunctionConfig.FunctionConfig> => {
    switch (event.op) {
      case "echo":
        return Effect.succeed(event.value)
      case "context":
        return context
      case "fail":
        return Effect.fail(new ConformanceError({ _tag: event.tag, message: event.message }))
      case "throw":
        return Effect.sync(() => {
          throw new Error(event.message)
        })
      case "sleep":
        return Effect.as(Effect.sleep(event.ms), event.value)
      case "big":
        return Effect.succeed("x".repeat(event.bytes))
      case "bigint":
        return Effect.succeed(BigInt(42))
      case "console":
        return Effect.promise(() => {
          console.log("from the handler", { a: 1 })
          console.debug("debug line")
          console.error("two\nlines")
          return new Promise<string>((resolve) =>
            setTimeout(() => {
              console.warn("from a timer")
              resolve("logged")
            }, 5)
          )
        })
      case "crash":
        return Effect.sync(() => {
          if (event.kind === "timer") {
            setTimeout(() => {
              throw new RangeError("thrown in a timer")
            }, 5)
          } else {
            void Promise.reject(new TypeError("rejected, never handled"))
          }
        }).pipe(Effect.zipRight(Effect.never))
    }
  }
})

/**
 * The function's resources: `CONFORMANCE_INIT=fail` makes init fail with `InitBoom`;
 * `CONFORMANCE_FINALIZER_FILE=<path>` makes shutdown append `released\n` to that file.
 */
export const ConformanceLayer = Layer.scopedDiscard(
  Effect.gen(function*() {
    const init = yield* Config.string("CONFORMANCE_INIT").pipe(Config.withDefault(""))
    if (init === "fail") {
      return yield* new InitBoom({ message: "init failed on purpose (CONFORMANCE_INIT=fail)" })
    }
    if (init === "crash") {
      // A throw outside any fiber while init is still running.
      setTimeout(() => {
        throw new SyntaxError("crashed during init")
      }, 5)
      yield* Effect.sleep("2 seconds")
    }
    const file = yield* Config.option(Config.string("CONFORMANCE_FINALIZER_FILE"))
    if (Option.isSome(file)) {
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.appendFileSync(file.value, "released\n")))
    }
  })
)
