import { describe, expect, it } from "@effect/vitest"
import { FunctionUrl } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("FunctionUrl", () => {
  it("round-trips an AWS_IAM request, keeping the nulls Lambda sends", () => {
    const event = expectRoundTrip(FunctionUrl.FunctionUrlEvent, fixture("function-url-iam.json"))
    expect(event.pathParameters).toBeNull()
    expect(event.stageVariables).toBeNull()
    expect(event.requestContext.authentication).toBeNull()
    expect(event.requestContext.authorizer?.iam?.cognitoIdentity).toBeNull()
    expect(event.requestContext.authorizer?.iam?.userArn).toBe("arn:aws:iam::210987654321:user/ci-runner")
    expect(event.cookies).toStrictEqual(["trace=off"])
  })

  it("round-trips an anonymous (auth NONE) GET without body, query or authorizer", () => {
    const event = expectRoundTrip(FunctionUrl.FunctionUrlEvent, fixture("function-url-anonymous.json"))
    expect(event.requestContext.accountId).toBe("anonymous")
    expect(event.requestContext.http.sourceIp).toBe("2001:db8::1")
    for (const key of ["body", "queryStringParameters", "cookies", "pathParameters", "stageVariables"]) {
      expect(key in event).toBe(false)
    }
  })

  it("decodes an HTTP API 2.0 event shape (the formats are shared)", () => {
    // routeKey/stage carry real values on API Gateway, the schema does not pin "$default"
    expectRoundTrip(FunctionUrl.FunctionUrlEvent, fixture("apigw-v2-get-minimal.json"))
  })

  it("accepts the early shape without routeKey and stage", () => {
    const early = mutable("function-url-iam.json")
    delete early.routeKey
    delete early.requestContext.routeKey
    delete early.requestContext.stage
    const event = expectRoundTrip(FunctionUrl.FunctionUrlEvent, early)
    expect("routeKey" in event).toBe(false)
  })

  it("rejects wrong payloads", () => {
    const noRawPath = mutable("function-url-iam.json")
    delete noRawPath.rawPath
    expectParseError(FunctionUrl.FunctionUrlEvent, noRawPath)

    const base64AsString = mutable("function-url-iam.json")
    base64AsString.isBase64Encoded = "false"
    expectParseError(FunctionUrl.FunctionUrlEvent, base64AsString)

    const badTime = mutable("function-url-anonymous.json")
    badTime.requestContext.timeEpoch = "1700799670000"
    expectParseError(FunctionUrl.FunctionUrlEvent, badTime)
  })

  it("round-trips a result and requires statusCode", () => {
    const result = expectRoundTrip(FunctionUrl.FunctionUrlResult, fixture("function-url-result.json"))
    expect(result.statusCode).toBe(302)
    expectParseError(FunctionUrl.FunctionUrlResult, { headers: { location: "/" } })
    expectParseError(FunctionUrl.FunctionUrlResult, { statusCode: 200, cookies: [1] })
  })
})
