import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { ApiGateway, DynamoDb, FunctionUrl, Sqs } from "../src/index.js"
import { fixture } from "./utils.js"

// `Schema.Record` of effect 3.x writes each decoded key onto a `{}`: a `__proto__` key replaces
// the decoded object's prototype (its fields then show through) and disappears as a key.
describe("keys named __proto__ (and other Object.prototype names)", () => {
  const withKeys = (json: string, path: ReadonlyArray<string>, extra: string) => {
    const event = JSON.parse(JSON.stringify(fixture(json)))
    let target = event
    for (const key of path) target = target[key]
    // JSON.parse makes `__proto__` an own key, as an invoker's JSON would (Object.assign would
    // call the setter instead)
    const keys = JSON.parse(extra)
    for (const key of Object.keys(keys)) {
      Object.defineProperty(target, key, { value: keys[key], enumerable: true, writable: true, configurable: true })
    }
    return event
  }

  it("a Function URL header or query key __proto__ stays a key and changes no prototype", () => {
    const event = withKeys("function-url-anonymous.json", ["headers"], `{"__proto__":"x","constructor":"c"}`)
    event.queryStringParameters = JSON.parse(`{"__proto__":"q","toString":"1"}`)
    event.rawQueryString = "__proto__=q&toString=1"
    const decoded = Schema.decodeUnknownSync(FunctionUrl.FunctionUrlEvent)(event)
    expect(Object.keys(decoded.headers)).toContain("__proto__")
    expect(decoded.headers["__proto__"]).toBe("x")
    expect(decoded.headers["constructor"]).toBe("c")
    expect(decoded.queryStringParameters?.["toString"]).toBe("1")
    expect(decoded.queryStringParameters?.["__proto__"]).toBe("q")
    const encoded = JSON.parse(JSON.stringify(Schema.encodeSync(FunctionUrl.FunctionUrlEvent)(decoded)))
    expect(encoded.headers["__proto__"]).toBe("x")
  })

  it("an authorizer context with __proto__ cannot make fields appear through the prototype", () => {
    const event = withKeys(
      "apigw-v2-lambda-authorizer.json",
      ["requestContext", "authorizer", "lambda"],
      `{"__proto__":{"isAdmin":true}}`
    )
    const decoded: any = Schema.decodeUnknownSync(ApiGateway.ApiGatewayProxyEventV2)(event)
    const context = decoded.requestContext.authorizer.lambda
    expect(context.isAdmin).toBeUndefined()
    expect(context["__proto__"]).toEqual({ isAdmin: true })
  })

  it("SQS message attributes and DynamoDB maps alike", () => {
    const sqs = withKeys(
      "sqs-standard.json",
      ["Records", "0", "messageAttributes"],
      `{"__proto__":{"dataType":"String","stringValue":"p"}}`
    )
    const decoded: any = Schema.decodeUnknownSync(Sqs.SqsEvent)(sqs)
    expect(Object.keys(decoded.Records[0].messageAttributes)).toContain("__proto__")
    expect(decoded.Records[0].messageAttributes.dataType).toBeUndefined()
    const item = DynamoDb.AttributeMap
    const map: any = Schema.decodeUnknownSync(item)(
      JSON.parse(`{"__proto__":{"S":"evil"},"a":{"M":{"__proto__":{"N":"1"}}}}`)
    )
    expect(map.S).toBeUndefined()
    expect(map["__proto__"]).toEqual({ S: "evil" })
    expect(map.a.M.N).toBeUndefined()
  })
})
