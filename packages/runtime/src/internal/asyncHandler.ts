/**
 * Adapters between plain `async (event, context)` Lambda functions and Effect handlers, both
 * ways: `fromAsync` lets existing code run on the Effect runtime one handler at a time;
 * `toAsync` lets an Effect handler be exported to AWS's managed Node.js runtimes.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRefs from "effect/FiberRefs"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as ErrorReport from "../ErrorReport.js"
import * as FunctionConfig from "../FunctionConfig.js"
import type * as Handler from "../Handler.js"
import type { Invocation } from "../Invocation.js"
import * as InvocationHooks from "../InvocationHooks.js"
import * as LambdaContext from "../LambdaContext.js"

/**
 * The `context` argument of a Node.js Lambda function, as AWS's client (aws-lambda-ric 4.x)
 * builds it.
 *
 * @internal
 */
export interface AwsContext {
  readonly awsRequestId: string
  readonly invokedFunctionArn: string
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: string
  readonly logGroupName: string
  readonly logStreamName: string
  readonly identity?: unknown
  readonly clientContext?: unknown
  readonly tenantId?: string | undefined
  readonly xRayTraceId?: string | undefined
  getRemainingTimeInMillis(): number
}

/** The AWS-style context of the current invocation, field for field as AWS's client builds it. @internal */
export const toAwsContext = (ctx: LambdaContext.LambdaContextShape): AwsContext => ({
  clientContext: ctx.clientContext,
  identity: ctx.cognitoIdentity,
  invokedFunctionArn: ctx.invokedFunctionArn,
  awsRequestId: ctx.requestId,
  tenantId: ctx.tenantId,
  xRayTraceId: ctx.traceId ?? "",
  getRemainingTimeInMillis: () => ctx.deadlineMs - Date.now(),
  functionName: ctx.functionName,
  functionVersion: ctx.functionVersion,
  memoryLimitInMB: String(ctx.memoryLimitInMB),
  logGroupName: ctx.logGroupName,
  logStreamName: ctx.logStreamName
})

/**
 * The program of `Handler.fromAsync`: calls the function with the AWS-style context of the
 * invocation and fails with whatever it throws or rejects with, unchanged, so the report names it
 * as AWS's client would. (`Handler.make` wraps it: this module imports Handler for types only.)
 *
 * @internal
 */
export const handleAsync = <A>(
  fn: (event: any, context: AwsContext) => Promise<A> | A
) =>
(event: unknown): Effect.Effect<A, unknown, LambdaContext.LambdaContext> =>
  Effect.flatMap(LambdaContext.LambdaContext, (ctx) =>
    Effect.tryPromise({
      // `await fn()` semantics: a synchronous throw fails the effect like a rejection.
      try: async () => await fn(event, toAwsContext(ctx)),
      catch: (error) => error
    }))

/** @internal */
export interface ToAsyncOptions {
  /** Bound on the layer's finalizers when Lambda sends SIGTERM. Default 500 ms (Lambda's budget with internal extensions only). */
  readonly finalizerTimeoutMs?: number
}

const encoder = new TextEncoder()

const toInvocation = (event: unknown, context: AwsContext): Invocation => ({
  requestId: context.awsRequestId,
  deadlineMs: Date.now() + context.getRemainingTimeInMillis(),
  invokedFunctionArn: context.invokedFunctionArn,
  traceId: context.xRayTraceId || process.env._X_AMZN_TRACE_ID || undefined,
  clientContext: context.clientContext,
  cognitoIdentity: context.identity,
  tenantId: context.tenantId,
  contentType: "application/json",
  // The handler's own decoder (its event Schema, if any) reads the event as it would from Lambda.
  body: encoder.encode(JSON.stringify(event === undefined ? null : event))
})

/** An Error AWS's client reports with the same type, message and trace as the Effect runtime would. */
const toError = (cause: Cause.Cause<unknown>): Error => {
  const report = ErrorReport.fromCause(cause)
  const error = new Error(report.errorMessage)
  error.name = report.errorType
  error.stack = report.stackTrace.length > 0
    ? report.stackTrace.join("\n")
    : `${report.errorType}: ${report.errorMessage}`
  return error
}

/** @internal */
export const toAsync = <Event, A, E, R, ROut, LE>(
  handler: Handler.Handler<Event, A, E, R>,
  layer: Layer.Layer<ROut, LE, FunctionConfig.FunctionConfig>,
  options: ToAsyncOptions = {}
): (event: unknown, context: AwsContext) => Promise<unknown> => {
  const configLayer = Layer.orDie(FunctionConfig.layer)
  const runtime = ManagedRuntime.make(Layer.merge(Layer.provide(layer, configLayer), configLayer))
  // Init: the layer is built now, once, while Lambda's init phase runs, not on the first event.
  const ready = runtime.runPromiseExit(Effect.flatMap(FunctionConfig.FunctionConfig, Effect.succeed))
  // The hooks the layer registered (Metrics' flush, StructuredLogger's logger…), applied to every
  // invocation as LambdaRuntime applies them.
  const hooks = ready.then((config) =>
    Exit.isFailure(config)
      ? undefined
      : runtime.runtime().then((rt) =>
        InvocationHooks.compose(FiberRefs.getOrDefault(rt.fiberRefs, InvocationHooks.currentInvocationHooks))
      )
  )
  // Lambda sends SIGTERM only when an extension is registered: then the layer's finalizers run.
  let stopping = false
  const onSigterm = () => {
    // A second SIGTERM while the finalizers run must not kill the process before they finish.
    if (stopping) return
    stopping = true
    const budget = new Promise<void>((resolve) => setTimeout(resolve, options.finalizerTimeoutMs ?? 500).unref())
    Promise.race([runtime.dispose(), budget]).finally(() => process.exit(0))
  }
  process.on("SIGTERM", onSigterm)
  return async (event, context) => {
    const config = await ready
    if (Exit.isFailure(config)) throw toError(config.cause)
    const invocation = toInvocation(event, context)
    const hooked = await hooks
    const lambdaContext = LambdaContext.make(invocation, config.value)
    const handled = handler.decode(invocation).pipe(
      Effect.flatMap((decoded) => handler.handle(decoded)),
      Effect.flatMap((result) => handler.encode(result)),
      Effect.flatMap((output) =>
        output._tag === "Buffered"
          ? Effect.succeed(
            JSON.parse(typeof output.body === "string" ? output.body : Buffer.from(output.body).toString("utf8"))
          )
          : Effect.dieMessage(
            "toAsync: a streaming handler needs awslambda.streamifyResponse; export it with the drop-in runner or LambdaRuntime instead"
          )
      )
    )
    const program = Effect.provideService(
      hooked === undefined ? handled : hooked(handled, lambdaContext),
      LambdaContext.LambdaContext,
      lambdaContext
    ) as Effect.Effect<unknown, unknown, ROut | FunctionConfig.FunctionConfig>
    const exit = await runtime.runPromiseExit(program)
    if (Exit.isSuccess(exit)) return exit.value
    throw toError(exit.cause)
  }
}
