import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Invocation from "../src/Invocation.js"

const body = new TextEncoder().encode("{\"a\":1}")

const full = {
  "lambda-runtime-aws-request-id": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
  "lambda-runtime-deadline-ms": "1542409706888",
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime",
  "lambda-runtime-trace-id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  "lambda-runtime-client-context": "{\"client\":{\"app_title\":\"x\"},\"custom\":{\"k\":\"v\"},\"env\":{}}",
  "lambda-runtime-cognito-identity": "{\"cognitoIdentityId\":\"id\",\"cognitoIdentityPoolId\":\"pool\"}",
  "lambda-runtime-aws-tenant-id": "tenant-42",
  "content-type": "application/json"
}

describe("Invocation.decode", () => {
  it("reads all seven headers", () => {
    const decoded = Invocation.decode(full, body)
    expect(Either.isRight(decoded)).toBe(true)
    const invocation = Either.getOrThrow(decoded)
    expect(invocation).toEqual({
      requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
      deadlineMs: 1542409706888,
      invokedFunctionArn: "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime",
      traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
      clientContext: { client: { app_title: "x" }, custom: { k: "v" }, env: {} },
      cognitoIdentity: { cognitoIdentityId: "id", cognitoIdentityPoolId: "pool" },
      tenantId: "tenant-42",
      contentType: "application/json",
      body
    })
  })

  it("leaves optional headers undefined, and treats empty values as absent", () => {
    const invocation = Either.getOrThrow(
      Invocation.decode({
        "lambda-runtime-aws-request-id": "id",
        "lambda-runtime-deadline-ms": "1",
        "lambda-runtime-trace-id": "",
        "lambda-runtime-client-context": ""
      }, body)
    )
    expect(invocation.traceId).toBeUndefined()
    expect(invocation.clientContext).toBeUndefined()
    expect(invocation.cognitoIdentity).toBeUndefined()
    expect(invocation.tenantId).toBeUndefined()
    expect(invocation.invokedFunctionArn).toBe("")
  })

  it("fails without a request id", () => {
    const decoded = Invocation.decode({ "lambda-runtime-deadline-ms": "1" }, body)
    expect(Either.isLeft(decoded) && decoded.left._tag).toBe("InvalidInvocation")
    expect(Either.isLeft(decoded) && decoded.left.requestId).toBeUndefined()
  })

  it.each(["abc", "12.5", "-1", "1e3", "", "99999999999999999999"])(
    "fails on deadline %j, keeping the request id",
    (deadline) => {
      const decoded = Invocation.decode({
        "lambda-runtime-aws-request-id": "id-1",
        "lambda-runtime-deadline-ms": deadline
      }, body)
      expect(Either.isLeft(decoded)).toBe(true)
      if (Either.isLeft(decoded)) {
        expect(decoded.left.requestId).toBe("id-1")
        expect(decoded.left.message).toMatch(/Deadline-Ms/)
      }
    }
  )

  it("fails on client context or identity that is not JSON", () => {
    for (const name of ["lambda-runtime-client-context", "lambda-runtime-cognito-identity"]) {
      const decoded = Invocation.decode({
        "lambda-runtime-aws-request-id": "id-2",
        "lambda-runtime-deadline-ms": "5",
        [name]: "{not json"
      }, body)
      expect(Either.isLeft(decoded) && decoded.left.message).toBe(`header ${name} is not valid JSON`)
    }
  })

  it("joins repeated headers as Node does", () => {
    const invocation = Either.getOrThrow(
      Invocation.decode({ "lambda-runtime-aws-request-id": ["a", "b"], "lambda-runtime-deadline-ms": "7" }, body)
    )
    expect(invocation.requestId).toBe("a, b")
  })
})
