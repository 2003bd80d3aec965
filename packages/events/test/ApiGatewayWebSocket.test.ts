import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { ApiGatewayWebSocket } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

const { ApiGatewayWebSocketEvent, ApiGatewayWebSocketResult } = ApiGatewayWebSocket

describe("ApiGatewayWebSocket", () => {
  it("round-trips a $connect event: handshake headers, query string, no body", () => {
    const event = expectRoundTrip(ApiGatewayWebSocketEvent, fixture("apigw-websocket-connect.json"))
    expect(event.requestContext.eventType).toBe("CONNECT")
    expect(event.requestContext.routeKey).toBe("$connect")
    expect(event.requestContext.messageId).toBeNull()
    expect(event.headers?.["Sec-WebSocket-Version"]).toBe("13")
    expect(event.queryStringParameters?.room).toBe("lobby")
    expect("body" in event).toBe(false)
  })

  it("round-trips a $disconnect event with its close code and reason", () => {
    const event = expectRoundTrip(ApiGatewayWebSocketEvent, fixture("apigw-websocket-disconnect.json"))
    expect(event.requestContext.eventType).toBe("DISCONNECT")
    expect(event.requestContext.disconnectStatusCode).toBe(1005)
    expect(event.requestContext.disconnectReason).toBe("Client-side close frame status not set")
    expect(event.multiValueHeaders?.["x-api-key"]).toStrictEqual([""])
  })

  it("round-trips a message on a custom route: no headers, the authorizer's context, the body", () => {
    const event = expectRoundTrip(ApiGatewayWebSocketEvent, fixture("apigw-websocket-message.json"))
    expect(event.requestContext.eventType).toBe("MESSAGE")
    expect(event.requestContext.routeKey).toBe("sendmessage")
    expect(event.requestContext.messageId).toBe("Sx1cnd8hjoECJcg=")
    expect(event.requestContext.authorizer).toStrictEqual({
      principalId: "user-42",
      integrationLatency: 18,
      plan: "pro"
    })
    expect(event.headers).toBeUndefined()
    expect(JSON.parse(event.body!)).toStrictEqual({ action: "sendmessage", text: "hello" })
  })

  it("a __proto__ query key stays an own key (SafeRecord), not the object's prototype", () => {
    const event = mutable("apigw-websocket-connect.json")
    event.queryStringParameters = JSON.parse(`{"__proto__": "x"}`)
    event.multiValueQueryStringParameters = JSON.parse(`{"__proto__": ["x"]}`)
    const decoded = Schema.decodeUnknownSync(ApiGatewayWebSocketEvent)(event)
    expect(Object.getPrototypeOf(decoded.queryStringParameters)).toBe(Object.prototype)
    expect(Object.hasOwn(decoded.queryStringParameters!, "__proto__")).toBe(true)
  })

  it("rejects wrong payloads", () => {
    const unknownType = mutable("apigw-websocket-message.json")
    unknownType.requestContext.eventType = "OPEN"
    expect(expectParseError(ApiGatewayWebSocketEvent, unknownType)).toContain("eventType")

    const noConnection = mutable("apigw-websocket-message.json")
    delete noConnection.requestContext.connectionId
    expectParseError(ApiGatewayWebSocketEvent, noConnection)

    const numericHeader = mutable("apigw-websocket-connect.json")
    numericHeader.headers["X-Forwarded-Port"] = 443
    expectParseError(ApiGatewayWebSocketEvent, numericHeader)

    const textCode = mutable("apigw-websocket-disconnect.json")
    textCode.requestContext.disconnectStatusCode = "1005"
    expectParseError(ApiGatewayWebSocketEvent, textCode)
  })

  it("results: a status alone, or a route response's body", () => {
    expectRoundTrip(ApiGatewayWebSocketResult, { statusCode: 200 })
    expectRoundTrip(ApiGatewayWebSocketResult, {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: "{\"ok\":true}",
      isBase64Encoded: false
    })
    expectParseError(ApiGatewayWebSocketResult, { statusCode: "200" })
    expectParseError(ApiGatewayWebSocketResult, { body: "no status" })
  })
})
