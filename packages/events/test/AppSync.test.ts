import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { AppSync } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("AppSync", () => {
  it("round-trips the documented resolver, batch and authorizer events", () => {
    const event = expectRoundTrip(AppSync.ResolverEvent, fixture("appsync-resolver.json"))
    expect(event.info.fieldName).toBe("createSomething")
    expect((event.identity as any).username).toBe("jdoe")
    const batch = expectRoundTrip(AppSync.BatchResolverEvent, fixture("appsync-batch-resolver.json"))
    expect(batch[1]?.prev).toStrictEqual({ result: { ok: true } })
    expectRoundTrip(AppSync.AuthorizerEvent, fixture("appsync-authorizer.json"))
    expectRoundTrip(AppSync.AuthorizerResponse, fixture("appsync-authorizer-response.json"))
  })

  it("ResolverEventWith decodes arguments and source with the given schemas", () => {
    const Typed = AppSync.ResolverEventWith({
      arguments: Schema.Struct({ id: Schema.String }),
      source: Schema.Null
    })
    const event = Schema.decodeUnknownSync(Typed)(fixture("appsync-resolver.json"))
    expect(event.arguments.id).toBe("my identifier")
    const numeric = mutable("appsync-resolver.json")
    numeric.arguments.id = 4
    expectParseError(Typed, numeric)
  })

  it("rejects wrong payloads", () => {
    const noInfo = mutable("appsync-resolver.json")
    delete noInfo.info
    expectParseError(AppSync.ResolverEvent, noInfo)
    expectParseError(AppSync.AuthorizerResponse, { isAuthorized: 1 })
  })
})
