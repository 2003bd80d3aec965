import {
  ApiGatewayAuthorizer,
  ApiGatewayWebSocket,
  AppSync,
  CloudFront,
  CloudWatchLogs,
  Cognito,
  Firehose,
  Kafka,
  Ses
} from "@effect-lambda/events"
import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { EventBuilders } from "../src/index.js"

// Each builder's event must decode with its source's Schema with no key to spare, and encode
// back to the very same JSON, with the test's fields where AWS puts them.
const roundTrip = <A, I>(schema: Schema.Schema<A, I>, value: unknown): A => {
  const decoded = Schema.decodeUnknownSync(schema, { onExcessProperty: "error" })(value)
  expect(Schema.encodeSync(schema)(decoded)).toStrictEqual(value)
  return decoded
}

describe("EventBuilders (issue 17 sources)", () => {
  it("Cognito triggers", () => {
    const signUp = roundTrip(Cognito.PreSignUpEvent, EventBuilders.cognitoPreSignUp({ email: "a@example.com" }))
    expect(signUp.request.userAttributes.email).toBe("a@example.com")
    const viaUnion = Schema.decodeUnknownSync(Cognito.CognitoTriggerEvent)(
      EventBuilders.cognitoPostConfirmation({ sub: "1" })
    )
    expect(viaUnion.triggerSource).toBe("PostConfirmation_ConfirmSignUp")
    const token = roundTrip(
      Cognito.PreTokenGenerationV2Event,
      EventBuilders.cognitoPreTokenGeneration({ sub: "1" }, { groups: ["admin"] })
    )
    expect(token.request.groupConfiguration.groupsToOverride).toStrictEqual(["admin"])
    const message = roundTrip(
      Cognito.CustomMessageEvent,
      EventBuilders.cognitoCustomMessage({ email: "a@example.com" }, { triggerSource: "CustomMessage_ForgotPassword" })
    )
    expect(message.triggerSource).toBe("CustomMessage_ForgotPassword")
  })

  it("API Gateway authorizers", () => {
    const token = roundTrip(
      ApiGatewayAuthorizer.TokenAuthorizerEvent,
      EventBuilders.tokenAuthorizerEvent("t", { method: "POST", path: "/items" })
    )
    expect(token.methodArn).toBe("arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/POST/items")
    const request = roundTrip(
      ApiGatewayAuthorizer.RequestAuthorizerEvent,
      EventBuilders.requestAuthorizerEvent({ headers: { Authorization: "x" }, query: { a: "1" } })
    )
    expect(request.multiValueQueryStringParameters).toStrictEqual({ a: ["1"] })
    const v2 = roundTrip(
      ApiGatewayAuthorizer.RequestAuthorizerEventV2,
      EventBuilders.requestAuthorizerEventV2({ headers: { Authorization: "Bearer t" } })
    )
    expect(v2.identitySource).toStrictEqual(["Bearer t"])
  })

  it("Kafka: MSK and self-managed, offsets per partition, headers as bytes", () => {
    const msk = roundTrip(
      Kafka.KafkaEvent,
      EventBuilders.kafkaEvent("orders", ["a", { value: "b", key: "k", headers: { h: "v" } }, {
        value: null,
        partition: 1
      }])
    )
    expect(Object.keys(msk.records)).toStrictEqual(["orders-0", "orders-1"])
    const records = Kafka.allRecords(msk)
    expect(records.map((r) => [r.partition, r.offset, Kafka.valueText(r)])).toStrictEqual([[0, 0, "a"], [0, 1, "b"], [
      1,
      0,
      null
    ]])
    expect(records[1] && Kafka.headersText(records[1])).toStrictEqual({ h: "v" })
    const self = roundTrip(Kafka.KafkaEvent, EventBuilders.kafkaEvent("t", ["x"], { selfManaged: true }))
    expect(self.eventSource).toBe("SelfManagedKafka")
  })

  it("AppSync resolver", () => {
    const event = roundTrip(
      AppSync.ResolverEvent,
      EventBuilders.appSyncResolverEvent("getPost", { id: "1" }, { selectionSetList: ["id", "title"] })
    )
    expect(event.info.selectionSetGraphQL).toBe("{\n  id\n  title\n}")
    expect(event.arguments).toStrictEqual({ id: "1" })
  })

  it("CloudWatch Logs: compressed as CloudWatch does", () => {
    const raw = EventBuilders.cloudWatchLogsEvent(["one", "two"])
    roundTrip(CloudWatchLogs.CloudWatchLogsEncodedEvent, raw)
    const event = Schema.decodeUnknownSync(CloudWatchLogs.CloudWatchLogsEvent)(raw)
    expect(event.awslogs.data.logEvents.map((e) => e.message)).toStrictEqual(["one", "two"])
  })

  it("Firehose", () => {
    const event = roundTrip(
      Firehose.FirehoseTransformationEvent,
      EventBuilders.firehoseEvent(["hello", new Uint8Array([1, 2])])
    )
    expect(event.records[0] && Firehose.dataText(event.records[0])).toBe("hello")
    expect(event.records[1]?.data).toBe("AQI=")
  })

  it("SES", () => {
    const event = roundTrip(
      Ses.SesEvent,
      EventBuilders.sesEvent({ from: "a@example.com", to: ["b@example.com"], spam: "FAIL" })
    )
    expect(event.Records[0]?.ses.receipt.spamVerdict.status).toBe("FAIL")
    expect(event.Records[0]?.ses.mail.commonHeaders.to).toStrictEqual(["b@example.com"])
  })

  it("CloudFront", () => {
    const request = roundTrip(
      CloudFront.CloudFrontRequestEvent,
      EventBuilders.cloudFrontRequestEvent({ uri: "/a", headers: { "User-Agent": "x" } })
    )
    expect(request.Records[0]?.cf.request.headers["user-agent"]).toStrictEqual([{ key: "User-Agent", value: "x" }])
    const response = roundTrip(
      CloudFront.CloudFrontResponseEvent,
      EventBuilders.cloudFrontResponseEvent({ status: 404 })
    )
    expect(response.Records[0]?.cf.response.status).toBe("404")
  })

  it("API Gateway WebSocket: $connect, messages (text, JSON, binary, custom route), $disconnect", () => {
    const { ApiGatewayWebSocketEvent } = ApiGatewayWebSocket
    const connect = roundTrip(
      ApiGatewayWebSocketEvent,
      EventBuilders.webSocketConnect({ query: { token: "t-1" }, headers: { Origin: "https://example.com" } })
    )
    expect(connect.requestContext).toMatchObject({ eventType: "CONNECT", routeKey: "$connect" })
    expect(connect.queryStringParameters).toStrictEqual({ token: "t-1" })
    expect(connect.multiValueHeaders?.Origin).toStrictEqual(["https://example.com"])
    expect(connect.headers?.["Sec-WebSocket-Version"]).toBe("13")
    const bare = roundTrip(ApiGatewayWebSocketEvent, EventBuilders.webSocketConnect())
    expect(bare.queryStringParameters).toBeUndefined()

    const json = roundTrip(
      ApiGatewayWebSocketEvent,
      EventBuilders.webSocketMessage({ action: "sendmessage", text: "hi" }, {
        routeKey: "sendmessage",
        connectionId: "c-1",
        authorizer: { principalId: "user-1" }
      })
    )
    expect(json.requestContext).toMatchObject({
      eventType: "MESSAGE",
      routeKey: "sendmessage",
      connectionId: "c-1",
      authorizer: { principalId: "user-1" }
    })
    expect(json.requestContext.messageId).toBeTypeOf("string")
    expect(JSON.parse(json.body!)).toStrictEqual({ action: "sendmessage", text: "hi" })
    expect(json.headers).toBeUndefined()
    const text = roundTrip(ApiGatewayWebSocketEvent, EventBuilders.webSocketMessage("ping"))
    expect(text).toMatchObject({ body: "ping", isBase64Encoded: false, requestContext: { routeKey: "$default" } })
    const binary = roundTrip(ApiGatewayWebSocketEvent, EventBuilders.webSocketMessage(new Uint8Array([0, 255])))
    expect(binary.isBase64Encoded).toBe(true)
    expect([...Buffer.from(binary.body!, "base64")]).toStrictEqual([0, 255])

    const disconnect = roundTrip(ApiGatewayWebSocketEvent, EventBuilders.webSocketDisconnect({ statusCode: 1001 }))
    expect(disconnect.requestContext).toMatchObject({
      eventType: "DISCONNECT",
      routeKey: "$disconnect",
      disconnectStatusCode: 1001,
      disconnectReason: ""
    })
    // one connection: the same id and connect time on every event unless the test says otherwise
    expect(new Set([connect, json, disconnect].map((e) => e.requestContext.connectedAt)).size).toBe(1)
    expect(connect.requestContext.connectionId).toBe(disconnect.requestContext.connectionId)
  })
})
