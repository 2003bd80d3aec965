import { describe, expect, it } from "@effect/vitest"
import { Ses } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Ses", () => {
  it("round-trips the documented receipt event", () => {
    const event = expectRoundTrip(Ses.SesEvent, fixture("ses.json"))
    const ses = event.Records[0]?.ses
    expect(ses?.mail.commonHeaders.subject).toBe("Test Subject")
    expect(ses?.receipt.spamVerdict.status).toBe("PASS")
    expect(ses?.receipt.action.invocationType).toBe("Event")
  })

  it("round-trips dispositions and rejects wrong payloads", () => {
    expectRoundTrip(Ses.SesDisposition, { disposition: "STOP_RULE_SET" })
    expectParseError(Ses.SesDisposition, { disposition: "stop_rule" })
    const badVerdict = mutable("ses.json")
    badVerdict.Records[0].ses.receipt.virusVerdict.status = "OK"
    expectParseError(Ses.SesEvent, badVerdict)
    expectParseError(Ses.SesEvent, fixture("sns.json"))
  })
})
