import { describe, expect, it } from "@effect/vitest"
import { ApiGatewayAuthorizer } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("ApiGatewayAuthorizer", () => {
  it("round-trips the documented token, request and v2 request events", () => {
    const token = expectRoundTrip(ApiGatewayAuthorizer.TokenAuthorizerEvent, fixture("apigw-authorizer-token.json"))
    expect(token.authorizationToken).toBe("allow")
    const request = expectRoundTrip(
      ApiGatewayAuthorizer.RequestAuthorizerEvent,
      fixture("apigw-authorizer-request.json")
    )
    expect(request.requestContext.identity.apiKey).toBe("...")
    // keys we do not name survive (the client certificate of mutual TLS)
    expect((request.requestContext.identity as any).clientCert.subjectDN).toBe("www.example.com")
    const v2 = expectRoundTrip(
      ApiGatewayAuthorizer.RequestAuthorizerEventV2,
      fixture("apigw-authorizer-v2-request.json")
    )
    expect(v2.identitySource).toStrictEqual(["user1", "123"])
  })

  it("round-trips IAM policy and simple answers; policy() builds a valid one", () => {
    expectRoundTrip(ApiGatewayAuthorizer.AuthorizerResponse, fixture("apigw-authorizer-policy.json"))
    expectRoundTrip(ApiGatewayAuthorizer.SimpleAuthorizerResponse, fixture("apigw-authorizer-simple.json"))
    const built = ApiGatewayAuthorizer.policy({
      principalId: "u",
      effect: "Deny",
      resource: ["a", "b"],
      context: { n: 1 }
    })
    expectRoundTrip(ApiGatewayAuthorizer.AuthorizerResponse, built)
    expect(built.policyDocument.Statement[0]).toStrictEqual({
      Action: "execute-api:Invoke",
      Effect: "Deny",
      Resource: ["a", "b"]
    })
  })

  it("rejects wrong payloads", () => {
    expectParseError(ApiGatewayAuthorizer.TokenAuthorizerEvent, fixture("apigw-authorizer-request.json"))
    expectParseError(ApiGatewayAuthorizer.RequestAuthorizerEvent, fixture("apigw-authorizer-token.json"))
    const objectContext = mutable("apigw-authorizer-policy.json")
    objectContext.context.nested = { no: "objects" }
    expectParseError(ApiGatewayAuthorizer.AuthorizerResponse, objectContext)
    const badEffect = mutable("apigw-authorizer-policy.json")
    badEffect.policyDocument.Statement[0].Effect = "allow"
    expectParseError(ApiGatewayAuthorizer.AuthorizerResponse, badEffect)
    expectParseError(ApiGatewayAuthorizer.SimpleAuthorizerResponse, { isAuthorized: "true" })
  })
})
