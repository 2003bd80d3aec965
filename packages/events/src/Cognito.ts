/**
 * Amazon Cognito user pool Lambda triggers. Cognito sends the same envelope to every trigger
 * (`version`, `triggerSource`, `region`, `userPoolId`, `userName`, `callerContext`, `request`,
 * `response`) and expects the event back with `response` filled in, so each trigger's Schema
 * describes both what the function receives and what it returns.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Cognito } from "@effect-lambda/events"
 *
 * // confirm every sign-up from the example.com domain
 * const handle = (event: Cognito.PreSignUpEvent) =>
 *   Effect.succeed<Cognito.PreSignUpEvent>({
 *     ...event,
 *     response: {
 *       ...event.response,
 *       autoConfirmUser: event.request.userAttributes.email?.endsWith("@example.com") ?? false
 *     }
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable, StringMap } from "./internal/common.js"

/**
 * Who called Cognito: the SDK version and the app client.
 *
 * @since 0.1.0
 * @category models
 */
export const CallerContext = Schema.Struct({
  awsSdkVersion: Schema.String,
  clientId: Schema.String
}).annotations({ identifier: "CognitoCallerContext" })

/**
 * The envelope every trigger shares, with the trigger's own `triggerSource` values, `request`
 * and `response`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const TriggerEvent = <
  const Sources extends ReadonlyArray<string>,
  Req extends Schema.Schema.Any,
  Res extends Schema.Schema.Any
>(triggerSources: Sources, request: Req, response: Res) =>
  Schema.Struct({
    version: Schema.String,
    triggerSource: Schema.Literal(...triggerSources),
    region: Schema.String,
    userPoolId: Schema.String,
    userName: Schema.String,
    callerContext: CallerContext,
    request,
    response
  })

const clientMetadata = { clientMetadata: Schema.optional(StringMap) }
const userAttributes = { userAttributes: StringMap }
const Empty = Schema.Struct({})

/**
 * Pre sign-up: accept or reject a new user, auto-confirm it, mark its email or phone verified.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PreSignUpEvent = TriggerEvent(
  ["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"],
  Schema.Struct({ ...userAttributes, validationData: optionalNullable(StringMap), ...clientMetadata }),
  Schema.Struct({
    autoConfirmUser: Schema.Boolean,
    autoVerifyEmail: Schema.Boolean,
    autoVerifyPhone: Schema.Boolean
  })
).annotations({ identifier: "PreSignUpEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type PreSignUpEvent = typeof PreSignUpEvent.Type

/**
 * Post confirmation: the user confirmed its account or a forgotten password.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PostConfirmationEvent = TriggerEvent(
  ["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"],
  Schema.Struct({ ...userAttributes, ...clientMetadata }),
  Empty
).annotations({ identifier: "PostConfirmationEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type PostConfirmationEvent = typeof PostConfirmationEvent.Type

/**
 * Pre authentication: fail the invocation to deny the sign-in.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PreAuthenticationEvent = TriggerEvent(
  ["PreAuthentication_Authentication"],
  Schema.Struct({
    ...userAttributes,
    userNotFound: Schema.optional(Schema.Boolean),
    validationData: optionalNullable(StringMap)
  }),
  Empty
).annotations({ identifier: "PreAuthenticationEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type PreAuthenticationEvent = typeof PreAuthenticationEvent.Type

/**
 * Post authentication: the user signed in.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PostAuthenticationEvent = TriggerEvent(
  ["PostAuthentication_Authentication"],
  Schema.Struct({ ...userAttributes, newDeviceUsed: Schema.Boolean, ...clientMetadata }),
  Empty
).annotations({ identifier: "PostAuthenticationEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type PostAuthenticationEvent = typeof PostAuthenticationEvent.Type

const GroupConfiguration = Schema.Struct({
  groupsToOverride: Schema.Array(Schema.String),
  iamRolesToOverride: Schema.Array(Schema.String),
  preferredRole: Schema.NullOr(Schema.String)
})

const TokenGenerationSources = [
  "TokenGeneration_HostedAuth",
  "TokenGeneration_Authentication",
  "TokenGeneration_NewPasswordChallenge",
  "TokenGeneration_AuthenticateDevice",
  "TokenGeneration_RefreshTokens"
] as const

/**
 * Pre token generation, version 1 (`version: "1"`): change the ID token's claims and groups.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PreTokenGenerationEvent = TriggerEvent(
  TokenGenerationSources,
  Schema.Struct({ ...userAttributes, groupConfiguration: GroupConfiguration, ...clientMetadata }),
  Schema.Struct({
    claimsOverrideDetails: Schema.NullOr(Schema.Struct({
      claimsToAddOrOverride: Schema.optional(StringMap),
      claimsToSuppress: Schema.optional(Schema.Array(Schema.String)),
      groupOverrideDetails: Schema.optional(GroupConfiguration)
    }))
  })
).annotations({ identifier: "PreTokenGenerationEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type PreTokenGenerationEvent = typeof PreTokenGenerationEvent.Type

const TokenClaims = Schema.Struct({
  claimsToAddOrOverride: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  claimsToSuppress: Schema.optional(Schema.Array(Schema.String))
})

/**
 * Pre token generation, versions 2 and 3: change the ID and access tokens' claims and scopes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PreTokenGenerationV2Event = TriggerEvent(
  [...TokenGenerationSources, "TokenGeneration_ClientCredentials"],
  Schema.Struct({
    ...userAttributes,
    scopes: Schema.optional(Schema.Array(Schema.String)),
    groupConfiguration: GroupConfiguration,
    ...clientMetadata
  }),
  Schema.Struct({
    claimsAndScopeOverrideDetails: Schema.NullOr(Schema.Struct({
      idTokenGeneration: Schema.optional(TokenClaims),
      accessTokenGeneration: Schema.optional(Schema.Struct({
        ...TokenClaims.fields,
        scopesToAdd: Schema.optional(Schema.Array(Schema.String)),
        scopesToSuppress: Schema.optional(Schema.Array(Schema.String))
      })),
      groupOverrideDetails: Schema.optional(GroupConfiguration)
    }))
  })
).annotations({ identifier: "PreTokenGenerationV2Event" })

/**
 * @since 0.1.0
 * @category models
 */
export type PreTokenGenerationV2Event = typeof PreTokenGenerationV2Event.Type

/**
 * Custom message: the texts of the verification, invitation and MFA messages Cognito sends.
 * `codeParameter` (`{####}`) must appear in the message where the code goes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CustomMessageEvent = TriggerEvent(
  [
    "CustomMessage_SignUp",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
    "CustomMessage_Authentication"
  ],
  Schema.Struct({
    ...userAttributes,
    codeParameter: Schema.String,
    linkParameter: optionalNullable(Schema.String),
    usernameParameter: Schema.NullOr(Schema.String),
    ...clientMetadata
  }),
  Schema.Struct({
    smsMessage: Schema.NullOr(Schema.String),
    emailMessage: Schema.NullOr(Schema.String),
    emailSubject: Schema.NullOr(Schema.String)
  })
).annotations({ identifier: "CustomMessageEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CustomMessageEvent = typeof CustomMessageEvent.Type

/**
 * One step of a custom authentication flow so far.
 *
 * @since 0.1.0
 * @category models
 */
export const ChallengeResult = Schema.Struct({
  challengeName: Schema.String,
  challengeResult: Schema.Boolean,
  challengeMetadata: optionalNullable(Schema.String)
}).annotations({ identifier: "CognitoChallengeResult" })

/**
 * Define auth challenge: decide the next challenge of a custom flow, or issue tokens.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DefineAuthChallengeEvent = TriggerEvent(
  ["DefineAuthChallenge_Authentication"],
  Schema.Struct({
    ...userAttributes,
    session: Schema.Array(ChallengeResult),
    userNotFound: Schema.optional(Schema.Boolean),
    ...clientMetadata
  }),
  Schema.Struct({
    challengeName: Schema.NullOr(Schema.String),
    issueTokens: Schema.NullOr(Schema.Boolean),
    failAuthentication: Schema.NullOr(Schema.Boolean)
  })
).annotations({ identifier: "DefineAuthChallengeEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type DefineAuthChallengeEvent = typeof DefineAuthChallengeEvent.Type

/**
 * Create auth challenge: the challenge the user must answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateAuthChallengeEvent = TriggerEvent(
  ["CreateAuthChallenge_Authentication"],
  Schema.Struct({
    ...userAttributes,
    challengeName: Schema.String,
    session: Schema.Array(ChallengeResult),
    userNotFound: Schema.optional(Schema.Boolean),
    ...clientMetadata
  }),
  Schema.Struct({
    publicChallengeParameters: Schema.NullOr(StringMap),
    privateChallengeParameters: Schema.NullOr(StringMap),
    challengeMetadata: Schema.NullOr(Schema.String)
  })
).annotations({ identifier: "CreateAuthChallengeEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CreateAuthChallengeEvent = typeof CreateAuthChallengeEvent.Type

/**
 * Verify auth challenge response: is the user's answer right?
 *
 * @since 0.1.0
 * @category schemas
 */
export const VerifyAuthChallengeResponseEvent = TriggerEvent(
  ["VerifyAuthChallengeResponse_Authentication"],
  Schema.Struct({
    ...userAttributes,
    privateChallengeParameters: StringMap,
    challengeAnswer: Schema.String,
    userNotFound: Schema.optional(Schema.Boolean),
    ...clientMetadata
  }),
  Schema.Struct({ answerCorrect: Schema.NullOr(Schema.Boolean) })
).annotations({ identifier: "VerifyAuthChallengeResponseEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type VerifyAuthChallengeResponseEvent = typeof VerifyAuthChallengeResponseEvent.Type

/**
 * User migration: look a user up in a legacy directory at sign-in or forgotten password.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserMigrationEvent = TriggerEvent(
  ["UserMigration_Authentication", "UserMigration_ForgotPassword"],
  Schema.Struct({
    password: Schema.optional(Schema.String),
    validationData: optionalNullable(StringMap),
    ...clientMetadata
  }),
  Schema.Struct({
    userAttributes: Schema.NullOr(StringMap),
    finalUserStatus: optionalNullable(Schema.Literal("CONFIRMED", "RESET_REQUIRED")),
    messageAction: optionalNullable(Schema.Literal("RESEND", "SUPPRESS")),
    desiredDeliveryMediums: optionalNullable(Schema.Array(Schema.Literal("SMS", "EMAIL"))),
    forceAliasCreation: optionalNullable(Schema.Boolean),
    enableSMSMFA: optionalNullable(Schema.Boolean)
  })
).annotations({ identifier: "UserMigrationEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type UserMigrationEvent = typeof UserMigrationEvent.Type

/**
 * Any user pool trigger event, told apart by `triggerSource`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CognitoTriggerEvent = Schema.Union(
  PreSignUpEvent,
  PostConfirmationEvent,
  PreAuthenticationEvent,
  PostAuthenticationEvent,
  PreTokenGenerationEvent,
  CustomMessageEvent,
  DefineAuthChallengeEvent,
  CreateAuthChallengeEvent,
  VerifyAuthChallengeResponseEvent,
  UserMigrationEvent
).annotations({ identifier: "CognitoTriggerEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CognitoTriggerEvent = typeof CognitoTriggerEvent.Type
