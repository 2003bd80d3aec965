import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Sqs } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Sqs", () => {
  it("round-trips a standard queue batch (message attributes, trace header, redriven message)", () => {
    const event = expectRoundTrip(Sqs.SqsEvent, fixture("sqs-standard.json"))
    const [first, second] = event.Records
    expect(first?.attributes.AWSTraceHeader).toMatch(/^Root=1-/)
    expect(first?.messageAttributes.priority?.dataType).toBe("Number.int")
    expect(first?.messageAttributes.checksum?.binaryValue).toBe("q83vEjRWeJA=")
    expect("stringValue" in (first?.messageAttributes.checksum ?? {})).toBe(false)
    expect(second?.messageAttributes).toStrictEqual({})
    expect("md5OfMessageAttributes" in (second ?? {})).toBe(false)
    expect(second?.attributes.DeadLetterQueueSourceArn).toBe("arn:aws:sqs:eu-west-1:123456789012:orders-dlq")
  })

  it("round-trips a FIFO batch with its group, sequence and deduplication ids", () => {
    const event = expectRoundTrip(Sqs.SqsEvent, fixture("sqs-fifo.json"))
    expect(event.Records[0]?.attributes.MessageGroupId).toBe("acc-5")
    expect(event.Records[0]?.attributes.SequenceNumber).toBe("18882080837523851520")
  })

  it("rejects wrong payloads", () => {
    const wrongSource = mutable("sqs-fifo.json")
    wrongSource.Records[0].eventSource = "aws:sns"
    expectParseError(Sqs.SqsEvent, wrongSource)

    const numericCount = mutable("sqs-fifo.json")
    numericCount.Records[0].attributes.ApproximateReceiveCount = 1
    expectParseError(Sqs.SqsEvent, numericCount)

    const noDataType = mutable("sqs-standard.json")
    delete noDataType.Records[0].messageAttributes.eventType.dataType
    expectParseError(Sqs.SqsEvent, noDataType)

    expectParseError(Sqs.SqsEvent, fixture("sns.json"))
  })

  it("round-trips partial batch responses, empty included", () => {
    expectRoundTrip(Sqs.SqsBatchResponse, fixture("sqs-batch-response.json"))
    expectRoundTrip(Sqs.SqsBatchResponse, fixture("batch-response-empty.json"))
    expectParseError(Sqs.SqsBatchResponse, { batchItemFailures: [{ itemIdentifier: 1 }] })
    expectParseError(Sqs.SqsBatchResponse, {})
  })

  describe("SqsEventWithBody", () => {
    const Order = Schema.Struct({ orderId: Schema.String, total: Schema.Number })
    const OrderRecord = Sqs.SqsRecordWithBody(Schema.parseJson(Order))

    it.effect("decodes each body through the given schema", () =>
      Effect.gen(function*() {
        const event = mutable("sqs-standard.json")
        const record = yield* Schema.decodeUnknown(OrderRecord)(event.Records[0])
        expect(record.body).toStrictEqual({ orderId: "o-1842", total: 42.5 })
        expect(record.messageId).toBe("4f5b2d1e-9c8a-4e7f-b6d5-3a2c1b0e9f8d")
        // encoding gives the JSON string back
        const encoded = yield* Schema.encode(OrderRecord)(record)
        expect(encoded.body).toBe("{\"orderId\":\"o-1842\",\"total\":42.5}")
      }))

    it("fails the whole event on one bad body, but not record by record", () => {
      const event = fixture("sqs-standard.json")
      expectParseError(Sqs.SqsEventWithBody(Schema.parseJson(Order)), event)
      const perRecord = (event as Sqs.SqsEvent).Records.map((record) => Schema.decodeUnknownEither(OrderRecord)(record))
      expect(perRecord.map(Either.isRight)).toStrictEqual([true, false])
    })
  })
})
