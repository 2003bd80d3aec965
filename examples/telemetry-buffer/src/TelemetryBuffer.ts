/**
 * Buffers the function's telemetry (its log lines and Lambda's `platform.*` events, from the
 * Telemetry API) and sends it in one batch: at SHUTDOWN, or on an invocation once
 * `maxBuffered` records wait, so memory stays bounded in a long-lived environment.
 *
 * The receiver and the sink client are plain `node:http` on purpose: an extension's init counts
 * toward the function's cold start, and `@effect/platform-node`'s server pulls in undici and ws;
 * `fetch` (undici) was measured to delay the process's exit by ~1.6 s after its first request
 * (its WebAssembly parser's background compilation), which eats the SHUTDOWN budget.
 */
import { ExtensionsApi, LambdaExtension } from "@effect-lambda/runtime"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as http from "node:http"
import type * as net from "node:net"

export class SinkError extends Data.TaggedError("SinkError")<{ readonly message: string; readonly cause?: unknown }> {}

export interface TelemetryBufferShape {
  /** Records received and not yet flushed. */
  readonly size: Effect.Effect<number>
  /** Sends every buffered record to the sink (one POST) and empties the buffer; the count sent. */
  readonly flush: Effect.Effect<number, SinkError>
  /** Flushes only when at least `maxBuffered` records wait. */
  readonly flushIfFull: Effect.Effect<number, SinkError>
}

export class TelemetryBuffer extends Context.Tag("example/TelemetryBuffer")<TelemetryBuffer, TelemetryBufferShape>() {}

const settings = Config.all({
  // On Lambda the Telemetry API posts to `sandbox.localdomain`; locally, 127.0.0.1.
  host: Config.withDefault(Config.string("TELEMETRY_RECEIVER_HOST"), "sandbox.localdomain"),
  port: Config.withDefault(Config.integer("TELEMETRY_RECEIVER_PORT"), 4243),
  // Where batches go (an HTTP endpoint taking a JSON array); unset: a summary line on stdout.
  sinkUrl: Config.option(Config.url("TELEMETRY_SINK_URL")),
  maxBuffered: Config.withDefault(Config.integer("TELEMETRY_MAX_BUFFERED"), 10_000)
})

const listen = (host: string, port: number, onBatch: (records: ReadonlyArray<unknown>) => void) =>
  Effect.acquireRelease(
    Effect.async<http.Server, Error>((resume) => {
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => {
          try {
            const records = JSON.parse(Buffer.concat(chunks).toString("utf8"))
            if (Array.isArray(records)) onBatch(records)
            res.writeHead(200).end()
          } catch {
            res.writeHead(400).end()
          }
        })
      })
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(port, host, () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

const postJson = (url: URL, body: string) =>
  Effect.async<void, Error>((resume) => {
    const request = http.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      agent: false
    }, (response) => {
      response.resume()
      response.on("end", () => {
        const status = response.statusCode ?? 0
        resume(status >= 200 && status < 300 ? Effect.void : Effect.fail(new Error(`the sink answered ${status}`)))
      })
    })
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end(body)
    return Effect.sync(() => request.destroy())
  })

export const layer: Layer.Layer<
  TelemetryBuffer,
  unknown,
  ExtensionsApi.ExtensionsApi | LambdaExtension.Registration
> = Layer.scoped(
  TelemetryBuffer,
  Effect.gen(function*() {
    const { host, maxBuffered, port, sinkUrl } = yield* settings
    let buffer: Array<unknown> = []
    const server = yield* listen(host, port, (records) => {
      buffer.push(...records)
    })
    const bound = (server.address() as net.AddressInfo).port
    const api = yield* ExtensionsApi.ExtensionsApi
    const { identifier } = yield* LambdaExtension.Registration
    yield* api.subscribeTelemetry(identifier, {
      destination: { protocol: "HTTP", URI: `http://${host}:${bound}` },
      types: ["function", "platform"],
      // The smallest delay Lambda allows: records of the last invocation arrive before SHUTDOWN ends.
      buffering: { maxItems: 1000, maxBytes: 256 * 1024, timeoutMs: 25 }
    })

    const send = (records: ReadonlyArray<unknown>): Effect.Effect<void, SinkError> =>
      Option.match(sinkUrl, {
        onNone: () => Effect.log(`telemetry-buffer: ${records.length} records`),
        onSome: (url) =>
          postJson(url, JSON.stringify(records)).pipe(
            Effect.mapError((cause) =>
              new SinkError({ message: `could not send ${records.length} records: ${cause.message}`, cause })
            )
          )
      })

    const flush = Effect.suspend(() => {
      if (buffer.length === 0) return Effect.succeed(0)
      const batch = buffer
      buffer = []
      // Nothing is lost on a failed send: the batch goes back in front of what arrived since.
      return send(batch).pipe(
        Effect.tapError(() => Effect.sync(() => void (buffer = batch.concat(buffer)))),
        Effect.as(batch.length)
      )
    })
    return {
      size: Effect.sync(() => buffer.length),
      flush,
      flushIfFull: Effect.suspend(() => buffer.length >= maxBuffered ? flush : Effect.succeed(0))
    }
  })
)
