/**
 * Graceful shutdown on Lambda: Lambda sends SIGTERM to the runtime at shutdown only when at least
 * one extension registered; otherwise the environment is just killed and the layer's finalizers
 * never run. So during init, before the runtime's first `next`, the runtime registers an internal
 * extension with no events (internal extensions cannot receive SHUTDOWN) and keeps its
 * `event/next` pending (Lambda's init ends when every registered extension asked for its next
 * event). AWS's Rust runtime does the same (`spawn_graceful_shutdown_handler`).
 *
 * If the Extensions API is not there (a 404, an emulator without it) or fails, the function runs
 * exactly as without it, after one warning.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as NodeFs from "node:fs"
import * as ExtensionsApi from "../ExtensionsApi.js"
import * as ExtensionsApiError from "../ExtensionsApiError.js"

/** The name the internal extension registers with (shown in Lambda's `EXTENSION` log line). */
export const NAME = "effect-lambda-graceful-shutdown"

/**
 * The runtime's share of Lambda's 2,000 ms shutdown budget: 500 ms with only internal extensions,
 * 300 ms when external ones (executables in `/opt/extensions`) are there.
 *
 * @internal
 */
export const runtimeBudgetMs = (extensionsDir = "/opt/extensions"): number => {
  try {
    const fs = process.getBuiltinModule("node:fs") as typeof NodeFs
    return fs.readdirSync(extensionsDir).length > 0 ? 300 : 500
  } catch {
    return 500
  }
}

/**
 * Registers the internal extension at `address` and forks its pending `event/next` into the
 * current scope (closing the scope drops it). Never fails: a failure is one warning.
 *
 * @internal
 */
export const register = (address: string): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const api = yield* ExtensionsApi.make({ address })
    // Lambda answers at once; an API that never answers must not hold init up.
    const registered = yield* Effect.either(
      api.register(NAME, []).pipe(
        Effect.timeoutFail({
          duration: "2 seconds",
          onTimeout: () =>
            new ExtensionsApiError.TransportError({ operation: "register", message: "no answer within 2 s" })
        })
      )
    )
    if (registered._tag === "Left") {
      const error = registered.left
      return yield* Effect.logWarning(
        `could not register the internal extension (${error._tag}: ${error.message}); ` +
          "Lambda will not send SIGTERM at shutdown, so the layer's finalizers will not run there"
      )
    }
    const identifier = registered.right.identifier
    // No event ever comes to an extension registered for none; the call stays pending until the
    // process ends. Should it return (an emulator that answers), ask again; should it fail, stop
    // asking: the registration, which is what makes Lambda send SIGTERM, is done.
    yield* Effect.forkScoped(
      Effect.forever(api.nextEvent(identifier)).pipe(
        Effect.catchAll((error) =>
          Effect.logDebug(`internal extension: event/next failed: ${error._tag}: ${error.message}`)
        )
      )
    )
  })
