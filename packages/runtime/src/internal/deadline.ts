/**
 * The invocation's deadline: when the runtime interrupts a handler that is still running, and
 * the `Runtime.Timeout` error it reports then.
 *
 * Two Effect internals are relied on here, each pinned by `test/effectInternals.test.ts`:
 * the live `Clock` is told apart from `TestClock` by its prototype, and the deadline interrupts
 * the handler as a fiber id of its own (`FiberId.make(-1, 0)`), made once.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import { TimeoutError } from "../HandlerError.js"
import type { Invocation } from "../Invocation.js"

const LIVE_CLOCK_PROTOTYPE: unknown = Object.getPrototypeOf(Clock.make())

/**
 * Whether `clock` is Effect's live Clock (not `TestClock` or a user's own): only then may the
 * deadline be a plain timer.
 *
 * @internal
 */
export const isLiveClock = (clock: Clock.Clock): boolean => Object.getPrototypeOf(clock) === LIVE_CLOCK_PROTOTYPE

/**
 * Who interrupts a handler at its deadline: one id, made once (not per invocation), that is no
 * running fiber's.
 *
 * @internal
 */
export const interruptor: FiberId.FiberId = FiberId.make(-1, 0)

/**
 * Past the largest delay `setTimeout` takes (~24.8 days) the deadline is as good as none.
 *
 * @internal
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

const noop = () => {}

/**
 * Cancels a started deadline timer.
 *
 * @internal
 */
export type Cancel = () => void

/**
 * Starts the timers of one loop's invocations on `clock`. With the live Clock a deadline is one
 * plain timer (a forked timer fiber, or `Effect.timeout`, costs more CPU than the rest of the
 * invocation); with any other Clock it is a fiber sleeping on it, so `TestClock` drives
 * deadlines in tests.
 *
 * @internal
 */
export const timer = (clock: Clock.Clock): (delayMs: number, onDeadline: () => void) => Effect.Effect<Cancel> => {
  if (isLiveClock(clock)) {
    return (delayMs, onDeadline) => {
      if (delayMs > MAX_TIMER_MS) return Effect.succeed(noop)
      return Effect.sync(() => {
        const handle = setTimeout(onDeadline, delayMs)
        return () => clearTimeout(handle)
      })
    }
  }
  return (delayMs, onDeadline) =>
    Effect.map(
      Effect.fork(
        Effect.interruptible(Effect.zipRight(Effect.sleep(Duration.millis(delayMs)), Effect.sync(onDeadline)))
      ),
      (fiber) => () => fiber.unsafeInterruptAsFork(interruptor)
    )
}

/**
 * Lambda's words for a timeout, which users' alarms look for: `Task timed out after N.NN
 * seconds`, N being the invocation's time budget.
 *
 * @internal
 */
export const timeoutMessage = (budgetMs: number): string =>
  `Task timed out after ${(Math.max(0, budgetMs) / 1000).toFixed(2)} seconds`

/**
 * The failure reported when the deadline interrupted the handler; `receivedAtMs` is when the
 * runtime got the invocation, so the budget is its deadline minus that.
 *
 * @internal
 */
export const timeoutCause = (invocation: Invocation, receivedAtMs: number): Cause.Cause<TimeoutError> =>
  Cause.fail(new TimeoutError({ message: timeoutMessage(invocation.deadlineMs - receivedAtMs) }))
