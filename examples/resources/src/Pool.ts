/**
 * A pool-like resource: acquired once when the function initialises, shared by every invocation
 * of the execution environment, released when the environment shuts down (SIGTERM). A real
 * function would hold a database pool or an SDK client with keep-alive sockets here.
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { writeFile } from "node:fs/promises"

export interface PoolShape {
  /** Which acquisition of the process this pool is (1 for the first). */
  readonly acquisition: number
  /** Takes a connection, returns how many times this pool has been used. */
  readonly use: Effect.Effect<number>
}

export class Pool extends Context.Tag("example/Pool")<Pool, PoolShape>() {}

let acquisitions = 0

/** How many pools the process has acquired so far. */
export const acquisitionCount = (): number => acquisitions

export const layer = Layer.scoped(
  Pool,
  Effect.gen(function*() {
    const releaseFile = yield* Config.option(Config.string("RESOURCES_RELEASE_FILE"))
    return yield* Effect.acquireRelease(
      Effect.sync(() => {
        const acquisition = ++acquisitions
        let uses = 0
        return { acquisition, use: Effect.sync(() => ++uses) } satisfies PoolShape
      }).pipe(Effect.tap((pool) => Effect.logInfo(`pool acquired (acquisition ${pool.acquisition})`))),
      (pool) =>
        Option.match(releaseFile, {
          onNone: () => Effect.logInfo(`pool released (acquisition ${pool.acquisition})`),
          onSome: (file) =>
            Effect.tryPromise(() => writeFile(file, "released")).pipe(
              Effect.catchAll((error) => Effect.logError(`could not write ${file}`, error))
            )
        })
    )
  })
)
