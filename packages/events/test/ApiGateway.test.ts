import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ApiGateway } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("ApiGateway payload 1.0", () => {
  it("round-trips a REST POST with authorizer claims and multi-value maps", () => {
    const event = expectRoundTrip(ApiGateway.ApiGatewayProxyEvent, fixture("apigw-rest-post.json"))
    expect(event.multiValueQueryStringParameters?.tag).toStrictEqual(["urgent", "gift"])
    expect(event.queryStringParameters?.tag).toBe("gift")
    expect(event.requestContext.identity.cognitoIdentityId).toBeNull()
    expect(event.requestContext.authorizer?.claims).toMatchObject({ "cognito:username": "alice" })
  })

  it("keeps the nulls API Gateway sends for an empty query string and body", () => {
    const event = expectRoundTrip(ApiGateway.ApiGatewayProxyEvent, fixture("apigw-rest-get-empty.json"))
    expect(event.queryStringParameters).toBeNull()
    expect(event.multiValueQueryStringParameters).toBeNull()
    expect(event.body).toBeNull()
    expect("authorizer" in event.requestContext).toBe(false)
    expect(event.requestContext.identity.apiKeyId).toBe("zy8xw7vu6t")
  })

  it("round-trips an HTTP API event in payload format 1.0 (version, null resourceId, mTLS cert)", () => {
    const event = expectRoundTrip(ApiGateway.ApiGatewayProxyEvent, fixture("apigw-http-payload-v1.json"))
    expect(event.version).toBe("1.0")
    expect(event.requestContext.resourceId).toBeNull()
    expect(event.requestContext.identity.clientCert?.validity.notAfter).toBe("Jan 10 00:00:00 2026 GMT")
    expect(event.isBase64Encoded).toBe(true)
  })

  it.effect("decodes through Effect", () =>
    Effect.gen(function*() {
      const event = yield* Schema.decodeUnknown(ApiGateway.ApiGatewayProxyEvent)(fixture("apigw-rest-post.json"))
      expect(event.pathParameters).toStrictEqual({ orderId: "o-1842" })
    }))

  it("rejects wrong payloads", () => {
    const missingBody = mutable("apigw-rest-get-empty.json")
    delete missingBody.body // `body: null` is required, absence is not what AWS sends
    expectParseError(ApiGateway.ApiGatewayProxyEvent, missingBody)

    const numericHeader = mutable("apigw-rest-post.json")
    numericHeader.headers["X-Forwarded-Port"] = 443
    expectParseError(ApiGateway.ApiGatewayProxyEvent, numericHeader)

    const noIdentity = mutable("apigw-rest-post.json")
    delete noIdentity.requestContext.identity
    expectParseError(ApiGateway.ApiGatewayProxyEvent, noIdentity)

    // a 2.0 event is not a 1.0 event
    expectParseError(ApiGateway.ApiGatewayProxyEvent, fixture("apigw-v2-jwt.json"))
  })

  it("round-trips results and keeps absent keys absent", () => {
    expectRoundTrip(ApiGateway.ApiGatewayProxyResult, fixture("apigw-rest-result.json"))
    const minimal = expectRoundTrip(ApiGateway.ApiGatewayProxyResult, fixture("apigw-rest-result-minimal.json"))
    expect(Object.keys(Schema.encodeSync(ApiGateway.ApiGatewayProxyResult)(minimal))).toStrictEqual(["statusCode"])
    expectParseError(ApiGateway.ApiGatewayProxyResult, { statusCode: "200" })
    expectParseError(ApiGateway.ApiGatewayProxyResult, { statusCode: 200.5 })
    expectParseError(ApiGateway.ApiGatewayProxyResult, { statusCode: 200, multiValueHeaders: { a: "b" } })
  })
})

describe("ApiGateway payload 2.0", () => {
  it("round-trips a JWT-authorized request with cookies, query, path and stage variables", () => {
    const event = expectRoundTrip(ApiGateway.ApiGatewayProxyEventV2, fixture("apigw-v2-jwt.json"))
    expect(event.cookies).toStrictEqual(["session=7f3a9c", "theme=dark"])
    expect(event.queryStringParameters?.coupon).toBe("XMAS,VIP")
    expect(event.requestContext.authorizer?.jwt?.scopes).toStrictEqual(["cart:write", "cart:read"])
    expect(event.requestContext.authentication?.clientCert?.serialNumber).toBe("3f:9a:11:02:bb:7c:4e:5d")
  })

  it("round-trips a minimal GET: no body, query, cookies, or authorizer", () => {
    const event = expectRoundTrip(ApiGateway.ApiGatewayProxyEventV2, fixture("apigw-v2-get-minimal.json"))
    for (const key of ["body", "queryStringParameters", "cookies", "pathParameters", "stageVariables"]) {
      expect(key in event).toBe(false)
    }
    expect("authorizer" in event.requestContext).toBe(false)
  })

  it("round-trips Lambda and IAM authorizer contexts", () => {
    const lambda = expectRoundTrip(ApiGateway.ApiGatewayProxyEventV2, fixture("apigw-v2-lambda-authorizer.json"))
    expect(lambda.requestContext.authorizer?.lambda).toStrictEqual({
      userId: "u-9",
      plan: "pro",
      quota: 1000,
      admin: false
    })
    expect(lambda.isBase64Encoded).toBe(true)
    const iam = expectRoundTrip(ApiGateway.ApiGatewayProxyEventV2, fixture("apigw-v2-iam.json"))
    expect(iam.requestContext.authorizer?.iam?.cognitoIdentity?.amr[0]).toBe("authenticated")
  })

  it("rejects wrong payloads", () => {
    // a 1.0 event has no `version: "2.0"` nor rawPath
    expectParseError(ApiGateway.ApiGatewayProxyEventV2, fixture("apigw-rest-post.json"))

    const wrongVersion = mutable("apigw-v2-jwt.json")
    wrongVersion.version = "1.0"
    expectParseError(ApiGateway.ApiGatewayProxyEventV2, wrongVersion)

    const cookieString = mutable("apigw-v2-jwt.json")
    cookieString.cookies = "session=7f3a9c"
    expectParseError(ApiGateway.ApiGatewayProxyEventV2, cookieString)

    const noHttp = mutable("apigw-v2-get-minimal.json")
    delete noHttp.requestContext.http
    expectParseError(ApiGateway.ApiGatewayProxyEventV2, noHttp)
  })

  it("round-trips the structured result and requires statusCode", () => {
    expectRoundTrip(ApiGateway.ApiGatewayProxyResultV2, fixture("apigw-v2-result.json"))
    expectParseError(ApiGateway.ApiGatewayProxyResultV2, { body: "hello" })
  })

  it("accepts results built with optional keys set to undefined, which JSON drops", () => {
    // Schema.optional types keys as `?: T | undefined`, so conditional values need no spreading
    const maybeBody: string | undefined = undefined
    const result: ApiGateway.ApiGatewayProxyResultV2 = { statusCode: 204, body: maybeBody }
    const encoded = Schema.encodeSync(ApiGateway.ApiGatewayProxyResultV2)(result)
    expect(JSON.parse(JSON.stringify(encoded))).toStrictEqual({ statusCode: 204 })
  })
})
