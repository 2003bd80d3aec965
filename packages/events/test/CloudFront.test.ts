import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { CloudFront } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("CloudFront", () => {
  it("round-trips the documented viewer request, origin request and origin response events", () => {
    const viewer = expectRoundTrip(CloudFront.CloudFrontRequestEvent, fixture("cloudfront-viewer-request.json"))
    expect(viewer.Records[0]?.cf.request.headers.host?.[0]?.value).toBe("d111111abcdef8.cloudfront.net")
    const origin = expectRoundTrip(CloudFront.CloudFrontRequestEvent, fixture("cloudfront-origin-request.json"))
    expect(origin.Records[0]?.cf.request.origin).toHaveProperty("custom.domainName", "example.org")
    const response = expectRoundTrip(CloudFront.CloudFrontResponseEvent, fixture("cloudfront-origin-response.json"))
    expect(response.Records[0]?.cf.response.status).toBe("200")
  })

  it("a request result is the request or a generated response", () => {
    const request = (fixture("cloudfront-viewer-request.json") as any).Records[0].cf.request
    expect(Schema.decodeUnknownSync(CloudFront.CloudFrontRequestResult)(request)).toStrictEqual(request)
    expectRoundTrip(CloudFront.CloudFrontRequestResult, fixture("cloudfront-result-response.json"))
  })

  it("rejects wrong payloads", () => {
    const badStage = mutable("cloudfront-viewer-request.json")
    badStage.Records[0].cf.config.eventType = "edge-request"
    expectParseError(CloudFront.CloudFrontRequestEvent, badStage)
    const flatHeader = mutable("cloudfront-viewer-request.json")
    flatHeader.Records[0].cf.request.headers.host = "d111111abcdef8.cloudfront.net"
    expectParseError(CloudFront.CloudFrontRequestEvent, flatHeader)
    expectParseError(CloudFront.CloudFrontResponseEvent, fixture("cloudfront-viewer-request.json"))
  })
})
