import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { Cognito } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Cognito", () => {
  it("round-trips each trigger's documented sample with its own Schema", () => {
    const signUp = expectRoundTrip(Cognito.PreSignUpEvent, fixture("cognito-pre-signup.json"))
    expect(signUp.request.userAttributes.email).toBe("user@example.com")
    expect(signUp.request.validationData).toBeNull()
    expectRoundTrip(Cognito.PostConfirmationEvent, fixture("cognito-post-confirmation.json"))
    const token = expectRoundTrip(Cognito.PreTokenGenerationEvent, fixture("cognito-pre-token-generation.json"))
    expect(token.request.groupConfiguration.groupsToOverride).toStrictEqual(["group-1", "group-2"])
    const v2 = expectRoundTrip(Cognito.PreTokenGenerationV2Event, fixture("cognito-pre-token-generation-v2.json"))
    expect(v2.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToAdd).toStrictEqual([
      "openid",
      "email"
    ])
    expectRoundTrip(Cognito.CustomMessageEvent, fixture("cognito-custom-message.json"))
    const define = expectRoundTrip(Cognito.DefineAuthChallengeEvent, fixture("cognito-define-auth-challenge.json"))
    expect(define.request.session[1]?.challengeMetadata).toBe("CAPTCHA_CHALLENGE")
    expectRoundTrip(Cognito.UserMigrationEvent, fixture("cognito-migrate-user.json"))
  })

  it("tells triggers apart by triggerSource in the union", () => {
    const event = Schema.decodeUnknownSync(Cognito.CognitoTriggerEvent)(fixture("cognito-custom-message.json"))
    expect(event.triggerSource).toBe("CustomMessage_SignUp")
    expect(Schema.encodeSync(Cognito.CognitoTriggerEvent)(event)).toStrictEqual(fixture("cognito-custom-message.json"))
  })

  it("encodes a filled-in response, as Cognito expects it back", () => {
    const event = Schema.decodeUnknownSync(Cognito.PreSignUpEvent)(fixture("cognito-pre-signup.json"))
    const answer = Schema.encodeSync(Cognito.PreSignUpEvent)({
      ...event,
      response: { autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false }
    })
    expect(answer.response).toStrictEqual({ autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false })
  })

  it("rejects wrong payloads", () => {
    const wrongSource = mutable("cognito-pre-signup.json")
    wrongSource.triggerSource = "PostConfirmation_ConfirmSignUp"
    expectParseError(Cognito.PreSignUpEvent, wrongSource)
    const noCaller = mutable("cognito-post-confirmation.json")
    delete noCaller.callerContext
    expectParseError(Cognito.PostConfirmationEvent, noCaller)
    const numericAttribute = mutable("cognito-pre-signup.json")
    numericAttribute.request.userAttributes.age = 3
    expectParseError(Cognito.PreSignUpEvent, numericAttribute)
    expectParseError(Cognito.CognitoTriggerEvent, fixture("sqs-fifo.json"))
  })
})
