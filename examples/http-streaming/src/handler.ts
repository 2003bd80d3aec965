/**
 * An `@effect/platform` router behind a Function URL in `RESPONSE_STREAM` mode
 * (`HttpHandler.makeStreaming`): `GET /events` sends server-sent events as an Effect `Stream`
 * produces them, `GET /hello` a plain text answer.
 *
 * `/events` query string: `count` (default 5, at most 10,000) and `delayMs` between events
 * (default 1000, at most 10,000); anything else is a 400.
 */
import { HttpHandler } from "@effect-lambda/middleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const Int = (min: number, max: number) => Schema.NumberFromString.pipe(Schema.int(), Schema.between(min, max))

/** The query string of `/events`. */
export const Query = Schema.Struct({
  count: Schema.optionalWith(Int(0, 10_000), { default: () => 5 }),
  delayMs: Schema.optionalWith(Int(0, 10_000), { default: () => 1000 })
})

/** `count` server-sent events, `delayMs` apart. */
export const events = (query: typeof Query.Type): Stream.Stream<string> => {
  const all = Stream.range(1, query.count).pipe(
    Stream.take(query.count),
    Stream.map((n) => `event: tick\ndata: ${JSON.stringify({ n })}\n\n`)
  )
  return query.delayMs > 0 ? all.pipe(Stream.schedule(Schedule.spaced(Duration.millis(query.delayMs)))) : all
}

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/hello", Effect.succeed(HttpServerResponse.text("hello"))),
  HttpRouter.get(
    "/events",
    // A query that does not decode fails with a ParseError: the platform answers 400.
    Effect.map(
      HttpServerRequest.schemaSearchParams(Query),
      (query) =>
        HttpServerResponse.stream(Stream.encodeText(events(query)), {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-store" }
        })
    )
  )
)

export const handler = HttpHandler.makeStreaming(router)
