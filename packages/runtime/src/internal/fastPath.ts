/**
 * The Runtime API without Effect, for the invocation loop's fast path (`loop.ts`): `next` and
 * posting a response as plain callbacks on the transport. The live client (`RuntimeApi.make`)
 * carries one under a symbol; a client without it (a test's fake) gets the Effect path only.
 *
 * Why: a handler that answers at once costs, on the Effect path, ~60 interpreter steps of the
 * loop's fiber per invocation around the wire (two async suspensions, each resumed through
 * Effect's scheduler, the report's catchAll, ...); the callbacks cost none of them.
 *
 * @internal
 */
import type * as Either from "effect/Either"
import type { Invocation } from "../Invocation.js"
import type { InvalidInvocation, RuntimeApiError } from "../RuntimeApiError.js"

/** @internal */
export interface FastPath {
  /** Asks for the next invocation; returns how to abandon the request. */
  readonly next: (done: (result: Either.Either<Invocation, RuntimeApiError | InvalidInvocation>) => void) => () => void
  /** Posts a buffered response; `done` gets the error, or undefined when the API accepted it. */
  readonly respond: (
    requestId: string,
    body: string | Uint8Array,
    contentType: string,
    done: (error: RuntimeApiError | undefined) => void
  ) => () => void
}

const FastPathKey = Symbol.for("@effect-lambda/runtime/RuntimeApi/fastPath")

/** @internal */
export const attach = <A extends object>(api: A, fast: FastPath): A => Object.assign(api, { [FastPathKey]: fast })

/** @internal */
export const of = (api: object): FastPath | undefined => (api as { [FastPathKey]?: FastPath })[FastPathKey]
