/**
 * Reading request bodies straight from node's IncomingMessage: the platform's body helpers
 * buffer without a byte count past their limit and cannot see HTTP trailers, both of which the
 * Runtime API needs.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Http from "node:http"

export interface Body {
  /** The bytes, or empty when `overLimit`. */
  readonly bytes: Uint8Array
  /** Bytes received in total, also past the limit (the rest is read and dropped). */
  readonly size: number
  readonly overLimit: boolean
  readonly trailers: Readonly<Record<string, string | undefined>>
}

export class Truncated extends Data.TaggedError("Truncated")<{}> {}

export const read = (req: Http.IncomingMessage, limit: number): Effect.Effect<Body, Truncated> =>
  Effect.async<Body, Truncated>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let overLimit = false
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (overLimit) return
      if (size > limit) {
        overLimit = true
        chunks.length = 0
      } else {
        chunks.push(chunk)
      }
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed({ bytes: Buffer.concat(chunks), size, overLimit, trailers: req.trailers }))
    }
    const onAbort = () => {
      if (req.complete) return
      cleanup()
      resume(Effect.fail(new Truncated()))
    }
    const cleanup = () => {
      req.off("data", onData)
      req.off("end", onEnd)
      req.off("error", onAbort)
      req.off("close", onAbort)
    }
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("error", onAbort)
    req.on("close", onAbort)
    return Effect.sync(cleanup)
  })
