/**
 * The context of the current invocation (what AWS's Node client passes as `context`), as a
 * service that the runtime provides to the handler of each invocation.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { FunctionConfig } from "./FunctionConfig.js"
import type { Invocation } from "./Invocation.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface LambdaContextShape {
  readonly requestId: string
  /** Same as `requestId`, under the name AWS's Node context uses. */
  readonly awsRequestId: string
  /** Unix time in ms when the invocation times out. */
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  /** X-Ray trace header of this invocation (also in `_X_AMZN_TRACE_ID` while it runs). */
  readonly traceId: string | undefined
  /** Parsed `Lambda-Runtime-Client-Context` (mobile SDK client, custom and env data). */
  readonly clientContext: unknown
  /** Parsed `Lambda-Runtime-Cognito-Identity`. */
  readonly cognitoIdentity: unknown
  readonly tenantId: string | undefined
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  /** Milliseconds left before the deadline, read from the `Clock` (so `TestClock` drives it). */
  readonly remainingTimeInMillis: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaContext } from "@effect-lambda/runtime"
 *
 * const program = Effect.gen(function*() {
 *   const ctx = yield* LambdaContext.LambdaContext
 *   const left = yield* ctx.remainingTimeInMillis
 *   yield* Effect.log(`${ctx.requestId}: ${left} ms left`)
 * })
 * ```
 */
export class LambdaContext extends Context.Tag("@effect-lambda/runtime/LambdaContext")<
  LambdaContext,
  LambdaContextShape
>() {}

class LambdaContextImpl implements LambdaContextShape {
  readonly requestId: string
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  readonly traceId: string | undefined
  readonly clientContext: unknown
  readonly cognitoIdentity: unknown
  readonly tenantId: string | undefined
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  constructor(invocation: Invocation, config: FunctionConfig) {
    this.requestId = invocation.requestId
    this.deadlineMs = invocation.deadlineMs
    this.invokedFunctionArn = invocation.invokedFunctionArn
    this.traceId = invocation.traceId
    this.clientContext = invocation.clientContext
    this.cognitoIdentity = invocation.cognitoIdentity
    this.tenantId = invocation.tenantId
    this.functionName = config.functionName
    this.functionVersion = config.functionVersion
    this.memoryLimitInMB = config.memorySizeMb
    this.logGroupName = config.logGroupName
    this.logStreamName = config.logStreamName
  }
  get awsRequestId(): string {
    return this.requestId
  }
  // A getter keeps the per-invocation cost at one object: the Effect is only built when read.
  get remainingTimeInMillis(): Effect.Effect<number> {
    return Effect.map(Clock.currentTimeMillis, (now) => Math.max(0, this.deadlineMs - now))
  }
}

/**
 * Builds the context of one invocation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (invocation: Invocation, config: FunctionConfig): LambdaContextShape =>
  new LambdaContextImpl(invocation, config)

/**
 * Milliseconds left before the current invocation's deadline.
 *
 * @since 0.1.0
 * @category accessors
 */
export const remainingTimeInMillis: Effect.Effect<number, never, LambdaContext> = Effect.flatMap(
  LambdaContext,
  (ctx) => ctx.remainingTimeInMillis
)
