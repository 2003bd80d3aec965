import { describe, expect, it } from "@effect/vitest"
import { Firehose } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Firehose", () => {
  it("round-trips the documented events (direct PUT and Kinesis source) and a result", () => {
    const event = expectRoundTrip(Firehose.FirehoseTransformationEvent, fixture("firehose.json"))
    const [record] = event.records
    expect(record && Firehose.dataText(record)).toBe("Hello, this is a test 123.")
    const kinesis = expectRoundTrip(Firehose.FirehoseTransformationEvent, fixture("firehose-kinesis.json"))
    expect(kinesis.records[0]?.kinesisRecordMetadata?.shardId).toBe("shardId-000000000000")
    expectRoundTrip(Firehose.FirehoseTransformationResult, fixture("firehose-result.json"))
  })

  it("ok() and reject() build result records for the same recordId", () => {
    const [record] = expectRoundTrip(Firehose.FirehoseTransformationEvent, fixture("firehose.json")).records
    if (record === undefined) throw new Error("no record")
    const ok = Firehose.ok(record, "HELLO, THIS IS A TEST 123.", { customer_id: "1234" })
    expect(ok).toStrictEqual((fixture("firehose-result.json") as any).records[0])
    expect(Firehose.reject(record, "ProcessingFailed")).toStrictEqual({
      recordId: record.recordId,
      result: "ProcessingFailed",
      data: record.data
    })
  })

  it("rejects wrong payloads", () => {
    const badResult = mutable("firehose-result.json")
    badResult.records[0].result = "OK"
    expectParseError(Firehose.FirehoseTransformationResult, badResult)
    const noId = mutable("firehose.json")
    delete noId.records[0].recordId
    expectParseError(Firehose.FirehoseTransformationEvent, noId)
  })
})
