import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler } from "../src/handler.js"
import * as Items from "../src/Items.js"

// Runs the function as Lambda would (init once, then the loop) on the mock Runtime API, and
// returns the API Gateway result of one request.
const request = (api: LambdaTest.Started["api"], event: unknown) =>
  Effect.gen(function*() {
    const report = yield* api.report(yield* api.enqueue(event))
    expect(report._tag).toBe("Response")
    const result = JSON.parse(report.body)
    return { ...result, json: result.body === "" ? undefined : JSON.parse(result.body) }
  })

describe("http-api", () => {
  it.scoped("GET /hello/:name", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Items.layer)
      const result = yield* request(api, EventBuilders.apiGatewayV2Request({ path: "/hello/world" }))
      expect(result.statusCode).toBe(200)
      expect(result.headers["content-type"]).toBe("application/json")
      expect(result.json).toEqual({ message: "hello world" })
    }))

  it.scoped("POST /items creates an item (201) that later invocations find", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Items.layer)
      const created = yield* request(
        api,
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: { name: "pen", price: 1.5 } })
      )
      expect(created.statusCode).toBe(201)
      expect(created.json).toEqual({ id: "item-1", name: "pen", price: 1.5 })
      const found = yield* request(api, EventBuilders.apiGatewayV2Request({ path: "/items/item-1" }))
      expect(found.statusCode).toBe(200)
      expect(found.json.name).toBe("pen")
      const missing = yield* request(api, EventBuilders.apiGatewayV2Request({ path: "/items/item-9" }))
      expect(missing.statusCode).toBe(404)
    }))

  it.scoped("POST /items with a bad body: 400 with the reason", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Items.layer)
      const invalid = yield* request(
        api,
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: { name: "", price: -1 } })
      )
      expect(invalid.statusCode).toBe(400)
      expect(invalid.json.error).toContain("name")
      const notJson = yield* request(
        api,
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: "{" })
      )
      expect(notJson.statusCode).toBe(400)
    }))

  it.scoped("unknown routes and methods: 404", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Items.layer)
      expect((yield* request(api, EventBuilders.apiGatewayV2Request({ path: "/nope" }))).statusCode).toBe(404)
      expect(
        (yield* request(api, EventBuilders.apiGatewayV2Request({ method: "DELETE", path: "/hello/x" }))).statusCode
      ).toBe(404)
    }))

  it.effect("an event that is not API Gateway 2.0 is a Runtime.InvalidEvent error", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, { hello: "world" }, { layer: Items.layer })
      expect(result._tag === "Error" && result.errorType).toBe("Runtime.InvalidEvent")
    }))
})
