// The loop relies on a few Effect behaviours that are not promised by its types. Each is pinned
// here, so an Effect upgrade that changes one fails this file instead of the runtime in production.
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Deadline from "../src/internal/deadline.js"

describe("Effect internals the runtime relies on", () => {
  // internal/deadline.ts: a plain setTimeout deadline only with the live Clock.
  it.live("the live Clock is known by its prototype", () =>
    Effect.gen(function*() {
      expect(Deadline.isLiveClock(yield* Effect.clock)).toBe(true)
      expect(Deadline.isLiveClock(Clock.make())).toBe(true)
      expect(Object.getPrototypeOf(Clock.make())).not.toBe(Object.prototype)
    }))

  it.effect("TestClock (and a Clock of one's own) is not taken for the live one", () =>
    Effect.gen(function*() {
      expect(Deadline.isLiveClock(yield* Effect.clock)).toBe(false)
      const own: Clock.Clock = { ...Clock.make(), [Clock.ClockTypeId]: Clock.ClockTypeId }
      expect(Deadline.isLiveClock(own)).toBe(false)
    }))

  // internal/deadline.ts: the deadline interrupts as `FiberId.make(-1, 0)`, made once.
  it.effect("a fiber interrupted as the deadline's id ends interrupted only, by that id, finalizers run", () =>
    Effect.gen(function*() {
      let finalized = false
      const fiber = yield* Effect.fork(
        Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (finalized = true)))
      )
      yield* Effect.yieldNow()
      fiber.unsafeInterruptAsFork(Deadline.interruptor)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)).toBe(true)
      expect(Exit.isFailure(exit) && [...Cause.interruptors(exit.cause)]).toEqual([Deadline.interruptor])
      expect(finalized).toBe(true)
      expect([...FiberId.ids(Deadline.interruptor)]).toEqual([-1])
    }))

  // internal/invoke.ts: a handler that does not wait is done when `runFork` returns.
  it("Runtime.runFork runs a fiber at once, up to its first asynchronous step", () => {
    const fiber = Runtime.runFork(Runtime.defaultRuntime)(Effect.map(Effect.succeed(20), (n) => n + 1))
    expect(fiber.unsafePoll()).toEqual(Exit.succeed(21))
    const waiting = Runtime.runFork(Runtime.defaultRuntime)(Effect.async<number>(() => {}))
    expect(waiting.unsafePoll()).toBeNull()
    waiting.unsafeInterruptAsFork(Deadline.interruptor)
  })

  // internal/loop.ts: handler fibers start from a runtime whose unhandledErrorLogLevel is None,
  // so a failed handler is reported once (by the loop), not also logged as an unhandled error.
  it.effect("a fiber started from a runtime with unhandledErrorLogLevel None does not log its failure", () =>
    Effect.gen(function*() {
      const logged: Array<unknown> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void logged.push(message)))
      const run = (level: Option.Option<never> | undefined) =>
        Effect.gen(function*() {
          const runtime = yield* Effect.runtime<never>()
          const fiber = Runtime.runFork(runtime)(Effect.fail("handler failed"))
          yield* Fiber.await(fiber)
        }).pipe(
          (self) => level === undefined ? self : Effect.locally(self, FiberRef.unhandledErrorLogLevel, level),
          Effect.provide(capture),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
      yield* run(undefined)
      expect(logged.length).toBe(1)
      yield* run(Option.none())
      expect(logged.length).toBe(1)
    }))
})
