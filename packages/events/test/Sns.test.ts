import { describe, expect, it } from "@effect/vitest"
import { Sns } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Sns", () => {
  it("round-trips a notification with a subject and typed message attributes", () => {
    const event = expectRoundTrip(Sns.SnsEvent, fixture("sns.json"))
    const message = event.Records[0]!.Sns
    expect(message.Subject).toBe("Disk almost full")
    expect(message.MessageAttributes?.hosts).toStrictEqual({ Type: "String.Array", Value: "[\"web-1\",\"web-2\"]" })
    expect(JSON.parse(message.Message)).toStrictEqual({ host: "web-1", usedPercent: 93 })
  })

  it("keeps a null Subject and empty attributes", () => {
    const event = expectRoundTrip(Sns.SnsEvent, fixture("sns-no-subject.json"))
    expect(event.Records[0]!.Sns.Subject).toBeNull()
    expect(event.Records[0]!.Sns.MessageAttributes).toStrictEqual({})
  })

  it("rejects wrong payloads", () => {
    const noMessage = mutable("sns.json")
    delete noMessage.Records[0].Sns.Message
    expectParseError(Sns.SnsEvent, noMessage)

    const objectMessage = mutable("sns.json")
    objectMessage.Records[0].Sns.Message = { host: "web-1" }
    expectParseError(Sns.SnsEvent, objectMessage)

    const wrongSource = mutable("sns.json")
    wrongSource.Records[0].EventSource = "aws:sqs"
    expectParseError(Sns.SnsEvent, wrongSource)

    expectParseError(Sns.SnsEvent, fixture("sqs-fifo.json"))
  })
})
