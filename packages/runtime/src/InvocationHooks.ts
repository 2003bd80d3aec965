/**
 * Code that runs around every invocation without wrapping the handler: the extension point of
 * observability layers (`Metrics`, `XRayTracing`, `StructuredLogger` in
 * `@effect-lambda/middleware`), in the spirit of Powertools' middlewares, but registered by a
 * layer of the function instead of applied to the handler.
 *
 * A hook registered while the function's layer is built (`register` in a scoped layer, or
 * `layer`) applies to every invocation the runtime serves after init:
 *
 * - `wrap` wraps the invocation's whole program (decode, handler, encode, a streamed body), for
 *   what must hold *during* it: a logger, a log level, a span, a FiberRef;
 * - `onStart` runs first, inside every `wrap`;
 * - `onEnd` runs last, when every `wrap` is done too (a span a `wrap` opened has ended),
 *   whatever the outcome (success, failure, defect, the deadline's interruption), *before* a
 *   buffered response or error report is posted, so what it flushes (EMF records, spans) is
 *   out before Lambda may freeze the environment. For a streamed response it runs when the
 *   stream has ended, still before the runtime asks for the next event (Lambda freezes an
 *   environment only when its runtime calls `next`).
 *
 * A hook's failure never changes the invocation's outcome: a defect of `onStart` or `onEnd` is
 * logged as a warning and the invocation goes on. `onEnd` also runs when the deadline
 * interrupted the handler: keep it short, the timeout report waits for it.
 *
 * Hooks run in the invocation's own fiber, with `LambdaContext` provided. Several hooks: the
 * `wrap`s of all of them are applied around the `onStart`s of all of them, the `onEnd`s of all
 * of them run after all the `wrap`s; `onStart`s run in registration order, `onEnd`s in reverse,
 * and the first registered `wrap` is the outermost.
 *
 * @example
 * ```ts
 * import { Handler, InvocationHooks, LambdaRuntime } from "@effect-lambda/runtime"
 * import { Effect, Layer } from "effect"
 *
 * // Counts invocations, printed after each one, before its response is posted.
 * const CountInvocations = Layer.scopedDiscard(Effect.gen(function*() {
 *   let count = 0
 *   yield* InvocationHooks.register({
 *     onEnd: (ctx) => Effect.sync(() => console.log(`${ctx.requestId}: invocation ${++count}`))
 *   })
 * }))
 *
 * const handler = Handler.make({ handle: () => Effect.succeed("ok") })
 * LambdaRuntime.runMain(handler, CountInvocations)
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { LambdaContextShape } from "./LambdaContext.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/InvocationHooks/InvocationHook")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * What a hook may do around one invocation (every part optional).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Runs before the event is decoded. */
  readonly onStart?: (context: LambdaContextShape) => Effect.Effect<void>
  /**
   * Runs after the invocation's program ended, whatever its exit (the failure's cause is in
   * it), before the runtime posts the response or the error report.
   */
  readonly onEnd?: (context: LambdaContextShape, exit: Exit.Exit<void, unknown>) => Effect.Effect<void>
  /** Wraps the invocation's whole program. It must not change its outcome. */
  readonly wrap?: <A, E, R>(self: Effect.Effect<A, E, R>, context: LambdaContextShape) => Effect.Effect<A, E, R>
}

/**
 * A registered hook (see `make`).
 *
 * @since 0.1.0
 * @category models
 */
export interface InvocationHook extends Options {
  readonly [TypeId]: TypeId
  /** Registration order: `onStart` ascending, `onEnd` descending. */
  readonly order: number
}

let sequence = 0

/**
 * A hook from its parts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): InvocationHook => ({ ...options, [TypeId]: TypeId, order: sequence++ })

/**
 * The hooks the runtime applies to each invocation: read once per loop, when it starts. A set
 * whose additions from layers built side by side (`Layer.merge`) are all kept.
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentInvocationHooks: FiberRef.FiberRef<HashSet.HashSet<InvocationHook>> = FiberRef.unsafeMakeHashSet(
  HashSet.empty()
)

/**
 * Registers a hook for the lifetime of the scope: call it in the constructor of a scoped layer
 * of the function (`Layer.scoped`, `Layer.scopedDiscard`).
 *
 * @since 0.1.0
 * @category registration
 */
export const register = (hook: Options | InvocationHook): Effect.Effect<void, never, Scope.Scope> =>
  Effect.locallyScopedWith(currentInvocationHooks, HashSet.add(TypeId in hook ? hook : make(hook)))

/**
 * A layer that registers a hook: merge it into the function's layer.
 *
 * @since 0.1.0
 * @category registration
 */
export const layer = (hook: Options | InvocationHook): Layer.Layer<never> => Layer.scopedDiscard(register(hook))

const guard = (what: string, effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.catchAllCause(
    effect,
    (cause) => Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logWarning(`invocation hook ${what} failed`, cause)
  )

/**
 * What the runtime does with the registered `hooks`: a function applying them to one
 * invocation's `program` (sorted once, here, not per invocation). With no hooks, `undefined`:
 * the runtime then adds nothing to an invocation. Exported for runners of one's own.
 *
 * @since 0.1.0
 * @category running
 */
export const compose = (
  hooks: HashSet.HashSet<InvocationHook>
): (<A, E, R>(program: Effect.Effect<A, E, R>, context: LambdaContextShape) => Effect.Effect<A, E, R>) | undefined => {
  if (HashSet.size(hooks) === 0) return undefined
  const sorted = Array.from(hooks).sort((a, b) => a.order - b.order)
  const starts = sorted.flatMap((hook) => hook.onStart === undefined ? [] : [hook.onStart])
  const ends = sorted.flatMap((hook) => hook.onEnd === undefined ? [] : [hook.onEnd]).reverse()
  // The first registered is the outermost.
  const wraps = sorted.flatMap((hook) => hook.wrap === undefined ? [] : [hook.wrap]).reverse()
  return <A, E, R>(program: Effect.Effect<A, E, R>, context: LambdaContextShape): Effect.Effect<A, E, R> => {
    let result = program
    if (starts.length > 0) {
      const started = Effect.forEach(starts, (onStart) => guard("onStart", onStart(context)), { discard: true })
      result = Effect.zipRight(started, result)
    }
    for (const wrap of wraps) result = wrap(result, context)
    if (ends.length > 0) {
      // onExit: it also runs when the deadline (or shutdown) interrupts the invocation.
      result = Effect.onExit(result, (exit) => {
        const outcome = Exit.asVoid(exit)
        return Effect.forEach(ends, (onEnd) => guard("onEnd", onEnd(context, outcome)), { discard: true })
      })
    }
    return result
  }
}
