/**
 * The invocation loop: next -> invoke (`invoke.ts`) -> exactly one report, forever. Only a fatal
 * Runtime API error (a 500, or `next` failing twice in a row) ends it.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import type * as FunctionConfig from "../FunctionConfig.js"
import type * as RuntimeApi from "../RuntimeApi.js"
import type { RuntimeApiError } from "../RuntimeApiError.js"
import type { AnyHandler } from "./handlers.js"
import * as Invoke from "./invoke.js"
import * as Report from "./report.js"

/**
 * One loop. Its services (the user's layer, `FunctionConfig`) are provided by the caller, hence
 * `unknown` requirements: handlers are run on the loop's runtime.
 *
 * @internal
 */
export const make = (options: {
  readonly api: RuntimeApi.RuntimeApiShape
  readonly handler: AnyHandler
  readonly config: FunctionConfig.FunctionConfig
  readonly clock: Clock.Clock
  readonly deadlineMarginMs: number
}): Effect.Effect<never, RuntimeApiError, unknown> => {
  const reporter = Report.make(options.api)
  const invoke = Invoke.make({ ...options, reporter })
  const serve = Effect.flatMap(Effect.runtime<unknown>(), (runtime) => {
    const step = Effect.matchEffect(options.api.next, {
      onFailure: (error): Effect.Effect<void, RuntimeApiError> =>
        error._tag === "InvalidInvocation" ? reporter.invalidInvocation(error) : Effect.fail(error),
      onSuccess: invoke(runtime)
    })
    return Effect.forever(step)
  })
  // The loop reports handler failures itself: their fibers must not also log them as unhandled
  // (a fiber reads this ref when it ends, so it is set here, in the runtime they start from).
  return Effect.locally(serve, FiberRef.unhandledErrorLogLevel, Option.none())
}
