import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import * as OpenApi from "@effect/platform/OpenApi"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Api, DirectoryLive, handler } from "../src/handler.js"

describe("HttpHandler.fromHttpApi", () => {
  it.effect("typed endpoints: decoded path and payload, declared statuses, 404 and 400 answers", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, DirectoryLive)
      const call = (input: EventBuilders.HttpRequestInput) =>
        api.enqueue(EventBuilders.apiGatewayV2Request(input)).pipe(
          Effect.flatMap(api.report),
          Effect.map((report) => JSON.parse(report.body))
        )
      const found = yield* call({ path: "/users/1" })
      expect(found.statusCode).toBe(200)
      expect(JSON.parse(found.body)).toStrictEqual({ id: "1", name: "Ada" })
      expect(found.headers["content-type"]).toBe("application/json")

      const created = yield* call({ method: "POST", path: "/users", body: { name: "Grace" } })
      expect(created.statusCode).toBe(201)
      expect(JSON.parse(created.body)).toStrictEqual({ id: "2", name: "Grace" })
      expect(JSON.parse((yield* call({ path: "/users/2" })).body).name).toBe("Grace")

      expect((yield* call({ path: "/users/99" })).statusCode).toBe(404)
      expect((yield* call({ path: "/nowhere" })).statusCode).toBe(404)
      const invalid = yield* call({ method: "POST", path: "/users", body: { name: "" } })
      expect(invalid.statusCode).toBe(400)
      expect(JSON.parse(invalid.body)._tag).toBe("HttpApiDecodeError")
      expect((yield* call({ path: "/users/abc" })).statusCode).toBe(400)
    }).pipe(Effect.scoped))

  it("the same Api gives its OpenAPI document", () => {
    const spec = OpenApi.fromApi(Api)
    expect(Object.keys(spec.paths)).toStrictEqual(["/users/{id}", "/users"])
  })
})
