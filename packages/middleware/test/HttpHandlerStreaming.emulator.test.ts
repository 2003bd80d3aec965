/**
 * `HttpHandler.makeStreaming` behind the emulator's Function URL front: the runtime runs in this
 * process against the emulator's Runtime API over HTTP (no supervisor), so the body stream can
 * wait on a Deferred that the HTTP client completes when the first bytes reach it.
 */
import { Emulator } from "@effect-lambda/emulator"
import { HttpHandler } from "@effect-lambda/middleware"
import { LambdaRuntime, RuntimeApi } from "@effect-lambda/runtime"
import { LambdaTest } from "@effect-lambda/testing"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Http from "node:http"

interface Answer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  /** The body's pieces as the client received them. */
  readonly pieces: ReadonlyArray<string>
  readonly ending: "end" | "aborted"
}

/** A GET read to its end or its abort; `onFirst` runs when the first body bytes arrive. */
const get = (url: string, onFirst: () => void = () => {}) =>
  Effect.async<Answer>((resume) => {
    const req = Http.request(url, { agent: false }, (res) => {
      const pieces: Array<string> = []
      let settled = false
      const finish = (ending: "end" | "aborted") => {
        if (settled) return
        settled = true
        resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, pieces, ending }))
      }
      res.on("data", (chunk: Buffer) => {
        pieces.push(chunk.toString())
        if (pieces.length === 1) onFirst()
      })
      res.on("end", () => finish("end"))
      res.on("aborted", () => finish("aborted"))
      res.on("error", () => finish("aborted"))
    })
    req.on("error", () => resume(Effect.succeed({ status: 0, headers: {}, pieces: [], ending: "aborted" as const })))
    req.end()
    return Effect.sync(() => req.destroy())
  })

describe("HttpHandler.makeStreaming under the emulator's Function URL", () => {
  it.scopedLive(
    "the prelude becomes the status line and headers; the body's first chunk reaches the client before the rest is produced",
    () =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const router = HttpRouter.empty.pipe(
          HttpRouter.get(
            "/events",
            Effect.succeed(
              HttpServerResponse.stream(
                Stream.concat(
                  Stream.make("data: 1\n\n"),
                  // Produced only once the client has the first event.
                  Stream.fromEffect(Effect.as(Deferred.await(gate), "data: 2\n\n"))
                ).pipe(Stream.encodeText),
                { contentType: "text/event-stream", headers: { "cache-control": "no-store" } }
              ).pipe(HttpServerResponse.unsafeSetCookie("seen", "1"))
            )
          )
        )
        const emulator = yield* Emulator.make({
          functionUrl: true,
          timeout: "60 seconds",
          onLog: () => {},
          streaming: { bandwidth: false }
        })
        yield* LambdaRuntime.run(HttpHandler.makeStreaming(router), Layer.empty).pipe(
          Effect.provide(RuntimeApi.layerAddress(emulator.runtimeApi)),
          Effect.withConfigProvider(
            LambdaTest.configProvider({ AWS_LAMBDA_RUNTIME_API: emulator.runtimeApi, AWS_LAMBDA_LOG_LEVEL: "FATAL" })
          ),
          Effect.forkScoped
        )

        const answer = yield* get(`${emulator.functionUrl}/events`, () => Deferred.unsafeDone(gate, Effect.void))
        expect(answer.status).toBe(200)
        expect(answer.headers["content-type"]).toBe("text/event-stream")
        expect(answer.headers["cache-control"]).toBe("no-store")
        expect(answer.headers["set-cookie"]).toEqual(["seen=1"])
        expect(answer.ending).toBe("end")
        // The first piece the client read held (part of) the first event only: the second did not
        // exist yet.
        expect(answer.pieces[0]!.length).toBeGreaterThan(0)
        expect("data: 1\n\n".startsWith(answer.pieces[0]!)).toBe(true)
        expect(answer.pieces.join("")).toBe("data: 1\n\ndata: 2\n\n")

        const missing = yield* get(`${emulator.functionUrl}/nope`)
        expect(missing.status).toBe(404)
      }),
    60_000
  )
})
