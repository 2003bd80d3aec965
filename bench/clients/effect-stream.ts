// The effect-lambda side of the streaming row: a `Handler.stream` whose body is STREAM_BYTES of
// 64 KiB chunks from an Effect `Stream`, through the real runtime loop and `respondStream`.
// Bundled by run.mjs with esbuild (resolving the workspace packages through examples/streaming).
import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

const total = Number(process.env.STREAM_BYTES ?? 50 * 1024 * 1024)
const chunk = new Uint8Array(64 * 1024).fill(120)
const count = Math.ceil(total / chunk.length)

export const handler = Handler.stream({
  handle: () =>
    // One 64 KiB piece per stream chunk (the row's case, the most stream steps per byte); with
    // STREAM_ONE_CHUNK=1 (bench/stream-ab.mjs) the whole body is one Chunk of pieces instead.
    Stream.range(1, count, process.env.STREAM_ONE_CHUNK === "1" ? undefined : 1).pipe(
      Stream.map((i) => (i < count || total % chunk.length === 0 ? chunk : chunk.subarray(0, total % chunk.length)))
    )
})

LambdaRuntime.runMain(handler, Layer.empty)
