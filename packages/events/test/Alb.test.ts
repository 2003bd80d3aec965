import { describe, expect, it } from "@effect/vitest"
import { Alb } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Alb", () => {
  it("round-trips a single-value event without multi-value keys", () => {
    const event = expectRoundTrip(Alb.AlbEvent, fixture("alb-single-value.json"))
    // ALB does not decode the query string
    expect(event.queryStringParameters?.q).toBe("effect%20schema")
    expect(event.body).toBe("")
    expect("multiValueHeaders" in event).toBe(false)
    expect("multiValueQueryStringParameters" in event).toBe(false)
  })

  it("round-trips a multi-value event without single-value keys", () => {
    const event = expectRoundTrip(Alb.AlbEvent, fixture("alb-multi-value.json"))
    expect(event.multiValueHeaders?.cookie).toStrictEqual(["session=7f3a9c", "theme=dark"])
    expect("headers" in event).toBe(false)
    expect("queryStringParameters" in event).toBe(false)
    expect(event.isBase64Encoded).toBe(true)
  })

  it("rejects wrong payloads", () => {
    const noElb = mutable("alb-single-value.json")
    noElb.requestContext = { elb: {} }
    expectParseError(Alb.AlbEvent, noElb)

    const listInSingle = mutable("alb-single-value.json")
    listInSingle.headers.cookie = ["a=1", "b=2"]
    expectParseError(Alb.AlbEvent, listInSingle)

    const stringInMulti = mutable("alb-multi-value.json")
    stringInMulti.multiValueHeaders.host = "web-alb"
    expectParseError(Alb.AlbEvent, stringInMulti)

    const nullBody = mutable("alb-single-value.json")
    nullBody.body = null
    expectParseError(Alb.AlbEvent, nullBody)
  })

  it("round-trips single- and multi-value results", () => {
    expectRoundTrip(Alb.AlbResult, fixture("alb-result-single-value.json"))
    const multi = expectRoundTrip(Alb.AlbResult, fixture("alb-result-multi-value.json"))
    expect(multi.multiValueHeaders?.["set-cookie"]).toHaveLength(2)
    expectParseError(Alb.AlbResult, { statusDescription: "200 OK" })
    expectParseError(Alb.AlbResult, { statusCode: 200, headers: { "set-cookie": ["a=1"] } })
  })
})
