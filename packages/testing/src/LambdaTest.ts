/**
 * Run handlers through the real runtime loop on the in-memory Runtime API.
 *
 * @since 0.1.0
 */
import type { FunctionConfig, Handler, LambdaContext } from "@effect-lambda/runtime"
import { LambdaRuntime } from "@effect-lambda/runtime"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as MockRuntimeApi from "./MockRuntimeApi.js"

/**
 * The environment a function sees under the test kit (as AWS's emulator sets it); override or
 * add variables with `env`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultEnv: Readonly<Record<string, string>> = {
  AWS_LAMBDA_RUNTIME_API: "mock",
  AWS_LAMBDA_FUNCTION_NAME: "test_function",
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/test_function",
  AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]test",
  AWS_REGION: "us-east-1",
  AWS_LAMBDA_LOG_LEVEL: "ERROR"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StartOptions extends LambdaRuntime.RunOptions {
  /** Environment variables on top of `defaultEnv`. */
  readonly env?: Readonly<Record<string, string>>
}

/**
 * A config provider reading `defaultEnv` plus `env`, so tests never depend on the real process
 * environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const configProvider = (env: Readonly<Record<string, string>> = {}): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromMap(new Map(Object.entries({ ...defaultEnv, ...env })))

/**
 * Starts the runtime (init, then the loop) in the current scope against the mock Runtime API,
 * and returns the mock to drive it, with `exit`: the runtime's outcome once it stops by itself
 * (init failure, fatal Runtime API error). The runtime stops when the scope closes.
 *
 * @since 0.1.0
 * @category running
 * @example
 * ```ts
 * import { it, expect } from "@effect/vitest"
 * import { Effect, Layer, Schema } from "effect"
 * import { Handler } from "@effect-lambda/runtime"
 * import { LambdaTest } from "@effect-lambda/testing"
 *
 * // the function under test (in a project: `import { handler } from "../src/handler.js"`)
 * const handler = Handler.make({
 *   event: Schema.Struct({ name: Schema.String }),
 *   handle: (event) => Effect.succeed({ message: `hello ${event.name}` })
 * })
 *
 * it.scoped("greets", () =>
 *   Effect.gen(function*() {
 *     const { api } = yield* LambdaTest.start(handler, Layer.empty)
 *     const id = yield* api.enqueue({ name: "world" })
 *     const report = yield* api.report(id)
 *     expect(JSON.parse(report.body)).toEqual({ message: "hello world" })
 *   }))
 * ```
 */
export const start = <const H extends LambdaRuntime.Handlers, ROut, E>(
  handlers: H,
  layer: Layer.Layer<ROut, E, FunctionConfig.FunctionConfig>,
  options: StartOptions = {}
): Effect.Effect<Started, never, Scope.Scope | Exclude<LambdaRuntime.HandlersContext<H>, ROut>> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(MockRuntimeApi.layer)
    const runtime = LambdaRuntime.run(handlers, layer, { deadlineMarginMs: 0, ...options }).pipe(
      Effect.provide(context),
      Effect.withConfigProvider(configProvider(options.env))
    )
    const fiber = yield* Effect.forkScoped(runtime)
    return { api: Context.get(context, MockRuntimeApi.MockRuntimeApi), exit: Fiber.await(fiber) }
  })

/**
 * A runtime started by `start`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Started {
  readonly api: MockRuntimeApi.MockRuntimeApiShape
  /** Waits for the runtime to stop by itself and gives its outcome. */
  readonly exit: Effect.Effect<Exit.Exit<never, LambdaRuntime.RunError>>
}

/**
 * The outcome of one invocation run through the real loop.
 *
 * @since 0.1.0
 * @category models
 */
export type InvokeResult =
  | {
    readonly _tag: "Response"
    readonly requestId: string
    readonly body: string
    readonly json: unknown
    readonly contentType: string | undefined
  }
  | {
    readonly _tag: "Error"
    readonly requestId: string
    /** `Lambda-Runtime-Function-Error-Type`, e.g. `Function.NotFound` or `Runtime.InvalidEvent`. */
    readonly errorType: string
    readonly body: {
      readonly errorType: string
      readonly errorMessage: string
      readonly stackTrace: ReadonlyArray<string>
    }
    readonly xrayCause: string | undefined
  }

/**
 * Runs a handler once, through the real runtime loop on the mock Runtime API, and returns what
 * it responded or the error it reported. `layer` provides the handler's services.
 *
 * @since 0.1.0
 * @category running
 */
export const invoke = <Ev, A, E, R, ROut = never, LE = never>(
  handler: Handler.Handler<Ev, A, E, R>,
  event: unknown,
  options: StartOptions & MockRuntimeApi.InvocationOptions & {
    readonly layer?: Layer.Layer<ROut, LE, FunctionConfig.FunctionConfig>
  } = {}
): Effect.Effect<InvokeResult, never, Exclude<R, ROut | LambdaContext.LambdaContext | FunctionConfig.FunctionConfig>> =>
  Effect.scoped(
    Effect.gen(function*() {
      const { api } = yield* start(handler, options.layer ?? Layer.empty, options)
      const requestId = yield* api.enqueue(event, options)
      const report = yield* api.report(requestId)
      if (report._tag === "Response") {
        let json: unknown
        try {
          json = JSON.parse(report.body)
        } catch {
          json = undefined
        }
        return { _tag: "Response", requestId, body: report.body, json, contentType: report.contentType } as const
      }
      return {
        _tag: "Error",
        requestId,
        errorType: report.errorType ?? "",
        body: JSON.parse(report.body),
        xrayCause: report.xrayCause
      } as const
    })
  ) as any
