import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Connections, handler } from "../src/handler.js"

describe("websocket example", () => {
  it.scoped("connect with a name, relay messages to everyone connected, forget on disconnect", () =>
    Effect.gen(function*() {
      const delivered: Array<string> = []
      const layer = Connections.inMemory((connectionId, data) =>
        Effect.sync(() => delivered.push(`${connectionId} ${data}`))
      )
      const { api } = yield* LambdaTest.start(handler, layer)
      const send = (event: unknown) => Effect.flatMap(api.enqueue(event), api.report)
      const status = (event: unknown) => Effect.map(send(event), (report) => JSON.parse(report.body).statusCode)

      expect(yield* status(EventBuilders.webSocketConnect({ connectionId: "a", query: { name: "alice" } }))).toBe(200)
      expect(yield* status(EventBuilders.webSocketConnect({ connectionId: "b", query: { name: "bob" } }))).toBe(200)
      const refused = yield* send(EventBuilders.webSocketConnect({ connectionId: "c" }))
      expect(JSON.parse(refused.body)).toStrictEqual({ statusCode: 401, body: "a name is required" })

      const message = { action: "sendmessage", text: "hi all" }
      expect(yield* status(EventBuilders.webSocketMessage(message, { connectionId: "a", routeKey: "sendmessage" })))
        .toBe(200)
      expect([...delivered].sort()).toStrictEqual(["a alice: hi all", "b alice: hi all"])

      const bad = yield* send(EventBuilders.webSocketMessage("not json", { connectionId: "a", routeKey: "$default" }))
      expect(JSON.parse(bad.body).statusCode).toBe(400)

      expect(yield* status(EventBuilders.webSocketDisconnect({ connectionId: "b", statusCode: 1001 }))).toBe(200)
      delivered.length = 0
      yield* send(EventBuilders.webSocketMessage({ action: "sendmessage", text: "still here?" }, { connectionId: "a" }))
      expect(delivered).toStrictEqual(["a alice: still here?"])
    }))

  it.scoped("an event that is not a WebSocket event is Runtime.InvalidEvent", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Connections.inMemory(() => Effect.void))
      const report = yield* api.report(yield* api.enqueue(EventBuilders.apiGatewayV2Request()))
      expect(report.errorType).toBe("Runtime.InvalidEvent")
    }))
})
