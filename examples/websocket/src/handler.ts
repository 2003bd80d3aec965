/**
 * A chat room on an API Gateway WebSocket API: `$connect` admits a client that brings a `name` in
 * its query string (401 otherwise, and API Gateway refuses the connection), `$disconnect` forgets
 * it, and the `sendmessage` route relays a message's text to every connected client.
 *
 * Clients are reached through the `Connections` service. On AWS it is a table of connection ids
 * (DynamoDB) and the `@connections` API (`PostToConnection` of
 * `@aws-sdk/client-apigatewaymanagementapi`), since each execution environment sees only some of
 * the events; `Connections.inMemory` keeps them in the process (tests, the emulator).
 */
import { ApiGatewayWebSocket } from "@effect-lambda/events"
import { Handler } from "@effect-lambda/runtime"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export class Connections extends Context.Tag("example-websocket/Connections")<Connections, {
  readonly add: (connectionId: string, name: string) => Effect.Effect<void>
  readonly remove: (connectionId: string) => Effect.Effect<void>
  readonly all: Effect.Effect<ReadonlyArray<{ readonly connectionId: string; readonly name: string }>>
  /** Sends `data` to one client (`PostToConnection` on AWS). */
  readonly post: (connectionId: string, data: string) => Effect.Effect<void>
}>() {
  /** Connections held in the process; `post` hands each message to `deliver`. */
  static inMemory = (deliver: (connectionId: string, data: string) => Effect.Effect<void>) =>
    Layer.sync(Connections, () => {
      const names = new Map<string, string>()
      return {
        add: (connectionId, name) => Effect.sync(() => void names.set(connectionId, name)),
        remove: (connectionId) => Effect.sync(() => void names.delete(connectionId)),
        all: Effect.sync(() => Array.from(names, ([connectionId, name]) => ({ connectionId, name }))),
        post: deliver
      }
    })
}

/** The body of a `sendmessage` frame (the route selection expression is `$request.body.action`). */
export const ChatMessage = Schema.parseJson(Schema.Struct({
  action: Schema.Literal("sendmessage"),
  text: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1000))
}))

const ok: ApiGatewayWebSocket.ApiGatewayWebSocketResult = { statusCode: 200 }

export const handler = Handler.make({
  event: ApiGatewayWebSocket.ApiGatewayWebSocketEvent,
  response: ApiGatewayWebSocket.ApiGatewayWebSocketResult,
  handle: (event) =>
    Effect.gen(function*() {
      const connections = yield* Connections
      const { connectionId, eventType } = event.requestContext
      switch (eventType) {
        case "CONNECT": {
          const name = event.queryStringParameters?.name
          if (name === undefined || name === "") return { statusCode: 401, body: "a name is required" }
          yield* connections.add(connectionId, name)
          return ok
        }
        case "DISCONNECT": {
          yield* connections.remove(connectionId)
          return ok
        }
        case "MESSAGE": {
          const message = yield* Effect.option(Schema.decodeUnknown(ChatMessage)(event.body ?? ""))
          if (Option.isNone(message)) {
            return { statusCode: 400, body: "expected {\"action\":\"sendmessage\",\"text\":\"…\"}" }
          }
          const everyone = yield* connections.all
          const from = everyone.find((c) => c.connectionId === connectionId)?.name ?? "someone"
          yield* Effect.forEach(
            everyone,
            (c) => connections.post(c.connectionId, `${from}: ${message.value.text}`),
            { concurrency: 10, discard: true }
          )
          return ok
        }
      }
    })
})
