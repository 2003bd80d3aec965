/**
 * The invocation loop: next -> invoke (`invoke.ts`) -> exactly one report, forever. Only a fatal
 * Runtime API error (a 500, or `next` failing twice in a row) ends it.
 *
 * Two ways round, the same semantics. The Effect path: `next`, the invocation and its report as
 * Effects of the loop's fiber. The fast path, taken when the Runtime API client has one
 * (`fastPath.ts`: the live client does, a test's fake does not): while invocations end at once
 * with a buffered response that Lambda accepts, the loop's fiber stays suspended in one
 * `Effect.async` and the wire is driven by callbacks; the handler still runs in its own fiber.
 * Anything else (a handler still running, a failure, a streamed response, a refused report, a
 * `next` that failed) goes back to the loop's fiber as the Effect of the Effect path's remainder.
 * Measured (bench/, issue 16): ~60 interpreter steps and two trips through Effect's scheduler
 * fewer per invocation.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as FunctionConfig from "../FunctionConfig.js"
import * as LambdaContext from "../LambdaContext.js"
import type * as RuntimeApi from "../RuntimeApi.js"
import type { InvalidInvocation, RuntimeApiError } from "../RuntimeApiError.js"
import * as FastPath from "./fastPath.js"
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
  const invoker = Invoke.make({ ...options, reporter })
  const fast = FastPath.of(options.api)
  const nextFailed = (error: RuntimeApiError | InvalidInvocation): Effect.Effect<void, RuntimeApiError> =>
    error._tag === "InvalidInvocation" ? reporter.invalidInvocation(error) : Effect.fail(error)
  const serve = Effect.flatMap(Effect.runtime<unknown>(), (runtime) => {
    const { invoke, start } = invoker(runtime)
    if (fast === undefined) {
      return Effect.forever(Effect.matchEffect(options.api.next, { onFailure: nextFailed, onSuccess: invoke }))
    }
    // Resumes with what the loop's fiber must do next; until then, callbacks serve invocations.
    const spin = Effect.async<void, RuntimeApiError>((resume) => {
      let abandon: (() => void) | undefined
      let interrupted = false
      // A response in flight is never abandoned (the Effect path's report is uninterruptible):
      // interruption waits for it.
      let posting = false
      let afterPost: ((error: RuntimeApiError | undefined) => void) | undefined
      const cycle = (): void => {
        abandon = fast.next((result) => {
          abandon = undefined
          if (interrupted) return
          if (Either.isLeft(result)) return resume(nextFailed(result.left))
          const started = start(result.right)
          if (started === undefined) return resume(invoke(result.right))
          if (started._tag === "Reported") return cycle()
          if (started._tag === "Continue") return resume(started.effect)
          const { context, output, requestId } = started
          const refused = (error: RuntimeApiError) =>
            Effect.uninterruptible(
              Effect.provideService(reporter.refusedResponse(requestId, error), LambdaContext.LambdaContext, context)
            )
          posting = true
          abandon = fast.respond(requestId, output.body, output.contentType, (error) => {
            posting = false
            abandon = undefined
            if (interrupted) return afterPost?.(error)
            if (error === undefined) return cycle()
            resume(refused(error))
          })
          afterPost = (error) => {
            afterPost = undefined
            if (error !== undefined) Runtime.runFork(runtime)(Effect.ignore(refused(error)))
          }
        })
      }
      cycle()
      return Effect.suspend(() => {
        interrupted = true
        if (!posting) {
          abandon?.()
          return Effect.void
        }
        return Effect.async<void>((done) => {
          const then = afterPost
          afterPost = (error) => {
            then?.(error)
            done(Effect.void)
          }
        })
      })
    })
    return Effect.forever(spin)
  })
  // The loop reports handler failures itself: their fibers must not also log them as unhandled
  // (a fiber reads this ref when it ends, so it is set here, in the runtime they start from).
  return Effect.locally(serve, FiberRef.unhandledErrorLogLevel, Option.none())
}
