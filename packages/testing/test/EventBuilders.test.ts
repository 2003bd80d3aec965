import {
  Alb,
  ApiGateway,
  DynamoDb,
  EventBridge,
  FunctionUrl,
  Kinesis,
  S3,
  Scheduled,
  Sns,
  Sqs
} from "@effect-lambda/events"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { EventBuilders } from "../src/index.js"

// What matters about a builder: AWS's own shape, i.e. the event decodes with the Schema of the
// source, and the fields a test gave end up where the source puts them.
const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown) =>
  Schema.decodeUnknown(schema, { onExcessProperty: "error" })(value)

describe("EventBuilders", () => {
  it.effect("apiGatewayV2Request: defaults decode", () =>
    Effect.gen(function*() {
      const event = yield* decode(ApiGateway.ApiGatewayProxyEventV2, EventBuilders.apiGatewayV2Request())
      expect(event.requestContext.http.method).toBe("GET")
      expect(event.rawPath).toBe("/")
      expect(event.body).toBeUndefined()
      expect(event.queryStringParameters).toBeUndefined()
    }))

  it.effect("apiGatewayV2Request: JSON body, repeated query and headers, cookies", () =>
    Effect.gen(function*() {
      const event = yield* decode(
        ApiGateway.ApiGatewayProxyEventV2,
        EventBuilders.apiGatewayV2Request({
          method: "post",
          path: "/items",
          body: { name: "pen" },
          headers: { "X-Tag": ["a", "b"] },
          query: { q: "a b", tag: ["x", "y"] },
          cookies: { session: "abc" }
        })
      )
      expect(event.requestContext.http.method).toBe("POST")
      expect(event.body).toBe(`{"name":"pen"}`)
      expect(event.headers["content-type"]).toBe("application/json")
      expect(event.headers["x-tag"]).toBe("a,b")
      expect(event.rawQueryString).toBe("q=a%20b&tag=x&tag=y")
      expect(event.queryStringParameters).toEqual({ q: "a b", tag: "x,y" })
      expect(event.cookies).toEqual(["session=abc"])
      expect(event.headers.cookie).toBeUndefined()
    }))

  it.effect("apiGatewayV2Request: bytes are base64", () =>
    Effect.gen(function*() {
      const event = yield* decode(
        ApiGateway.ApiGatewayProxyEventV2,
        EventBuilders.apiGatewayV2Request({ method: "PUT", body: new Uint8Array([0, 255, 1]) })
      )
      expect(event.isBase64Encoded).toBe(true)
      expect(Buffer.from(event.body!, "base64")).toEqual(Buffer.from([0, 255, 1]))
    }))

  it.effect("functionUrlRequest", () =>
    Effect.gen(function*() {
      const event = yield* decode(
        FunctionUrl.FunctionUrlEvent,
        EventBuilders.functionUrlRequest({ path: "/x", cookies: { a: "1" } })
      )
      expect(event.rawPath).toBe("/x")
      expect(event.requestContext.accountId).toBe("anonymous")
      expect(event.cookies).toEqual(["a=1"])
    }))

  it.effect("apiGatewayV1Request: null for empty parts, last value and all values", () =>
    Effect.gen(function*() {
      const empty = yield* decode(ApiGateway.ApiGatewayProxyEvent, EventBuilders.apiGatewayV1Request())
      expect(empty.body).toBeNull()
      expect(empty.queryStringParameters).toBeNull()
      expect(empty.multiValueQueryStringParameters).toBeNull()
      const event = yield* decode(
        ApiGateway.ApiGatewayProxyEvent,
        EventBuilders.apiGatewayV1Request({
          method: "DELETE",
          path: "/a",
          query: { t: ["1", "2"] },
          headers: { "X-Tag": ["a", "b"] },
          cookies: { s: "1", t: "2" }
        })
      )
      expect(event.httpMethod).toBe("DELETE")
      expect(event.queryStringParameters).toEqual({ t: "2" })
      expect(event.multiValueQueryStringParameters).toEqual({ t: ["1", "2"] })
      expect(event.headers!["X-Tag"]).toBe("b")
      expect(event.multiValueHeaders!["X-Tag"]).toEqual(["a", "b"])
      expect(event.headers!["Cookie"]).toBe("s=1; t=2")
    }))

  it.effect("albRequest: single and multi-value target groups", () =>
    Effect.gen(function*() {
      const single = yield* decode(Alb.AlbEvent, EventBuilders.albRequest({ query: { q: "a b" } }))
      expect(single.body).toBe("")
      expect(single.queryStringParameters).toEqual({ q: "a%20b" })
      expect(single.multiValueHeaders).toBeUndefined()
      const multi = yield* decode(
        Alb.AlbEvent,
        EventBuilders.albRequest({ multiValue: true, headers: { "X-A": ["1", "2"] } })
      )
      expect(multi.headers).toBeUndefined()
      expect(multi.multiValueHeaders!["x-a"]).toEqual(["1", "2"])
    }))

  it.effect("sqsEvent: bodies and partial records; FIFO attributes", () =>
    Effect.gen(function*() {
      const event = yield* decode(Sqs.SqsEvent, EventBuilders.sqsEvent(["one", { body: "two", messageId: "m-2" }]))
      expect(event.Records.map((r) => r.body)).toEqual(["one", "two"])
      expect(event.Records[1]!.messageId).toBe("m-2")
      expect(new Set(event.Records.map((r) => r.messageId)).size).toBe(2)
      expect(event.Records[0]!.md5OfBody).toBe("f97c5d29941bfb1b2fdab0874906ab82")
      const fifo = yield* decode(Sqs.SqsEvent, EventBuilders.sqsEvent(["a", "b"], { fifo: true }))
      expect(fifo.Records[0]!.attributes.MessageGroupId).toBe("group-1")
      expect(fifo.Records[0]!.eventSourceARN.endsWith(".fifo")).toBe(true)
    }))

  it.effect("snsEvent", () =>
    Effect.gen(function*() {
      const event = yield* decode(Sns.SnsEvent, EventBuilders.snsEvent(["hello", { Message: "x", Subject: "s" }]))
      expect(event.Records.map((r) => r.Sns.Message)).toEqual(["hello", "x"])
      expect(event.Records[1]!.Sns.Subject).toBe("s")
    }))

  it.effect("s3Event: put and delete", () =>
    Effect.gen(function*() {
      const event = yield* decode(
        S3.S3Event,
        EventBuilders.s3Event([{ key: "dir/a file.txt", size: 5 }, {
          key: "b",
          bucket: "other",
          eventName: "ObjectRemoved:Delete"
        }])
      )
      expect(event.Records[0]!.s3.object.key).toBe("dir/a+file.txt")
      expect(event.Records[0]!.s3.object.size).toBe(5)
      expect(event.Records[1]!.s3.bucket.name).toBe("other")
      expect(event.Records[1]!.s3.object.size).toBeUndefined()
    }))

  it.effect("eventBridgeEvent and scheduledEvent", () =>
    Effect.gen(function*() {
      const Detail = Schema.Struct({ orderId: Schema.String })
      const event = yield* decode(
        EventBridge.EventBridgeEvent(Detail),
        EventBuilders.eventBridgeEvent({ source: "shop", detailType: "OrderPlaced", detail: { orderId: "o-1" } })
      )
      expect(event.detail.orderId).toBe("o-1")
      expect(event["detail-type"]).toBe("OrderPlaced")
      const scheduled = yield* decode(Scheduled.ScheduledEvent, EventBuilders.scheduledEvent({ ruleName: "nightly" }))
      expect(scheduled.resources[0]).toMatch(/rule\/nightly$/)
    }))

  it.effect("dynamoDbStreamEvent: event names from images, increasing sequence numbers", () =>
    Effect.gen(function*() {
      const event = yield* decode(
        DynamoDb.DynamoDbStreamEvent,
        EventBuilders.dynamoDbStreamEvent([
          { keys: { id: { S: "1" } }, newImage: { id: { S: "1" }, n: { N: "1" } } },
          { keys: { id: { S: "1" } }, newImage: { id: { S: "1" } }, oldImage: { id: { S: "1" } } },
          { keys: { id: { S: "1" } }, oldImage: { id: { S: "1" } } }
        ])
      )
      expect(event.Records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"])
      const seqs = event.Records.map((r) => BigInt(r.dynamodb.SequenceNumber))
      expect(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!).toBe(true)
    }))

  it.effect("kinesisEvent: data is base64", () =>
    Effect.gen(function*() {
      const event = yield* decode(
        Kinesis.KinesisStreamEvent,
        EventBuilders.kinesisEvent(["hello", { data: "x", partitionKey: "p" }])
      )
      expect(Buffer.from(event.Records[0]!.kinesis.data, "base64").toString()).toBe("hello")
      expect(event.Records[1]!.kinesis.partitionKey).toBe("p")
      expect(event.Records[0]!.kinesis.sequenceNumber).not.toBe(event.Records[1]!.kinesis.sequenceNumber)
    }))
})
