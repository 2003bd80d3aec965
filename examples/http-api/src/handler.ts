/**
 * The HTTP API: an `HttpRouter` app served behind API Gateway (HTTP API, payload 2.0).
 *
 *   GET  /hello/:name  -> 200 { message }
 *   POST /items        -> 201 Item (JSON body checked by the NewItem Schema), 400 on a bad body
 *   GET  /items/:id    -> 200 Item, 404 when there is none
 *   anything else      -> 404
 */
import { HttpHandler } from "@effect-lambda/middleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Items, NewItem } from "./Items.js"

export const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/hello/:name",
    Effect.flatMap(
      HttpRouter.schemaPathParams(Schema.Struct({ name: Schema.String })),
      ({ name }) => HttpServerResponse.json({ message: `hello ${name}` })
    )
  ),
  HttpRouter.post(
    "/items",
    Effect.gen(function*() {
      const item = yield* HttpServerRequest.schemaBodyJson(NewItem)
      const created = yield* (yield* Items).add(item)
      return yield* HttpServerResponse.json(created, { status: 201 })
    }).pipe(
      // Without this the platform answers an empty 400; say what was wrong instead.
      Effect.catchTag("ParseError", (error) => HttpServerResponse.json({ error: error.message }, { status: 400 }))
    )
  ),
  HttpRouter.get(
    "/items/:id",
    Effect.gen(function*() {
      const { id } = yield* HttpRouter.schemaPathParams(Schema.Struct({ id: Schema.String }))
      const item = yield* (yield* Items).get(id)
      return yield* Option.match(item, {
        onNone: () => HttpServerResponse.json({ error: `no item ${id}` }, { status: 404 }),
        onSome: (found) => HttpServerResponse.json(found)
      })
    })
  )
)

export const handler = HttpHandler.make(router, { event: "apiGatewayV2" })
