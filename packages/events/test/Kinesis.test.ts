import { describe, expect, it } from "@effect/vitest"
import { Kinesis } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Kinesis", () => {
  it("round-trips records with and without server-side encryption", () => {
    const event = expectRoundTrip(Kinesis.KinesisStreamEvent, fixture("kinesis.json"))
    const [plain, encrypted] = event.Records
    expect(JSON.parse(Buffer.from(plain!.kinesis.data, "base64").toString("utf8"))).toStrictEqual({
      page: "/home",
      user: "user-17"
    })
    expect("encryptionType" in plain!.kinesis).toBe(false)
    expect(encrypted?.kinesis.encryptionType).toBe("KMS")
    expect(encrypted?.kinesis.approximateArrivalTimestamp).toBe(1700801235.01)
  })

  it("rejects wrong payloads", () => {
    const stringTimestamp = mutable("kinesis.json")
    stringTimestamp.Records[0].kinesis.approximateArrivalTimestamp = "1700801234.567"
    expectParseError(Kinesis.KinesisStreamEvent, stringTimestamp)

    const noData = mutable("kinesis.json")
    delete noData.Records[1].kinesis.data
    expectParseError(Kinesis.KinesisStreamEvent, noData)

    expectParseError(Kinesis.KinesisStreamEvent, fixture("dynamodb-stream.json"))
  })

  it("round-trips partial batch responses", () => {
    expectRoundTrip(Kinesis.KinesisStreamBatchResponse, fixture("kinesis-batch-response.json"))
    expectRoundTrip(Kinesis.KinesisStreamBatchResponse, fixture("batch-response-empty.json"))
    expectParseError(Kinesis.KinesisStreamBatchResponse, { batchItemFailures: null })
  })
})
