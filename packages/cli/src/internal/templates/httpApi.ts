/** @internal */
import type { Template } from "./index.js"

/** @internal */
export const template: Template = {
  description: "an HttpRouter app behind API Gateway (HTTP API) or a Function URL",
  dependencies: ["@effect-lambda/middleware", "@effect/platform"],
  sampleEvent:
    `{"version":"2.0","routeKey":"$default","rawPath":"/hello/world","rawQueryString":"","headers":{},"requestContext":{"http":{"method":"GET","path":"/hello/world","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"curl"},"requestId":"r","routeKey":"$default","stage":"$default","time":"01/Jan/2026:00:00:00 +0000","timeEpoch":0,"accountId":"123456789012","apiId":"api","domainName":"localhost","domainPrefix":"localhost"},"isBase64Encoded":false}`,
  readme: "`effect-lambda start .` also serves the app as a Function URL would: see the URL it prints.\n",
  files: {
    "src/handler.ts": `/**
 * The HTTP API: an \`HttpRouter\` app served behind API Gateway (HTTP API, payload 2.0) or a
 * Function URL.
 *
 *   GET /hello/:name  -> 200 { message }
 *   anything else     -> 404
 */
import { HttpHandler } from "@effect-lambda/middleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/hello/:name",
    Effect.flatMap(
      HttpRouter.schemaPathParams(Schema.Struct({ name: Schema.String })),
      ({ name }) => HttpServerResponse.json({ message: \`hello \${name}\` })
    )
  )
)

export const handler = HttpHandler.make(router)
`,
    "test/handler.test.ts": `import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler } from "../src/handler.js"

describe("handler", () => {
  it.effect("GET /hello/:name", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, EventBuilders.apiGatewayV2Request({ path: "/hello/world" }))
      expect(result._tag).toBe("Response")
      const answer = result._tag === "Response" ? (result.json as { statusCode: number; body: string }) : undefined
      expect(answer?.statusCode).toBe(200)
      expect(JSON.parse(answer?.body ?? "")).toEqual({ message: "hello world" })
    }))

  it.effect("an unknown route is a 404", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, EventBuilders.apiGatewayV2Request({ path: "/nope" }))
      expect(result._tag === "Response" && (result.json as { statusCode: number }).statusCode).toBe(404)
    }))
})
`
  }
}
