/**
 * API Gateway Lambda authorizers: the events of REST API token and request authorizers
 * (payload 1.0) and of HTTP API request authorizers (payload 2.0), and the answers API Gateway
 * accepts: an IAM policy (REST APIs, and HTTP APIs in the IAM format) or the simple
 * `{ isAuthorized, context }` (HTTP APIs with simple responses enabled).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ApiGatewayAuthorizer } from "@effect-lambda/events"
 *
 * const handle = (event: ApiGatewayAuthorizer.TokenAuthorizerEvent) =>
 *   Effect.succeed(ApiGatewayAuthorizer.policy({
 *     principalId: "user-1",
 *     effect: event.authorizationToken === "allow" ? "Allow" : "Deny",
 *     resource: event.methodArn
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ApiGatewayRequestContextV2 } from "./ApiGateway.js"
import { optionalNullable, StringListMap, StringMap, UnknownMap } from "./internal/common.js"

/**
 * A REST API `TOKEN` authorizer's event: the token from the configured identity source and
 * the ARN of the method called.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TokenAuthorizerEvent = Schema.Struct({
  type: Schema.Literal("TOKEN"),
  authorizationToken: Schema.String,
  methodArn: Schema.String
}).annotations({ identifier: "TokenAuthorizerEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type TokenAuthorizerEvent = typeof TokenAuthorizerEvent.Type

/**
 * `requestContext` of a REST API `REQUEST` authorizer's event. API Gateway sends fewer keys
 * here than to a proxy integration (no `requestTime`, an `identity` holding only the keys it
 * knows), so the keys not listed are kept as they came.
 *
 * @since 0.1.0
 * @category models
 */
export const RequestAuthorizerContext = Schema.Struct(
  {
    accountId: Schema.String,
    apiId: Schema.String,
    httpMethod: Schema.String,
    path: Schema.String,
    requestId: Schema.String,
    resourceId: Schema.String,
    resourcePath: Schema.String,
    stage: Schema.String,
    identity: Schema.Struct(
      { sourceIp: Schema.String, apiKey: optionalNullable(Schema.String) },
      Schema.Record({ key: Schema.String, value: Schema.Unknown })
    )
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "RequestAuthorizerContext" })

/**
 * A REST API `REQUEST` authorizer's event: the request's headers, query string, path and
 * stage variables, `null` when empty as in a proxy event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestAuthorizerEvent = Schema.Struct({
  type: Schema.Literal("REQUEST"),
  methodArn: Schema.String,
  resource: Schema.String,
  path: Schema.String,
  httpMethod: Schema.String,
  headers: Schema.NullOr(StringMap),
  multiValueHeaders: Schema.NullOr(StringListMap),
  queryStringParameters: Schema.NullOr(StringMap),
  multiValueQueryStringParameters: Schema.NullOr(StringListMap),
  pathParameters: Schema.NullOr(StringMap),
  stageVariables: Schema.NullOr(StringMap),
  requestContext: RequestAuthorizerContext
}).annotations({ identifier: "RequestAuthorizerEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type RequestAuthorizerEvent = typeof RequestAuthorizerEvent.Type

/**
 * An HTTP API request authorizer's event (payload 2.0). `identitySource` holds the values of
 * the configured identity sources; the rest is a 2.0 proxy event without a body.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RequestAuthorizerEventV2 = Schema.Struct({
  version: Schema.Literal("2.0"),
  type: Schema.Literal("REQUEST"),
  routeArn: Schema.String,
  identitySource: optionalNullable(Schema.Array(Schema.String)),
  routeKey: Schema.String,
  rawPath: Schema.String,
  rawQueryString: Schema.String,
  cookies: Schema.optional(Schema.Array(Schema.String)),
  headers: Schema.optional(StringMap),
  queryStringParameters: Schema.optional(StringMap),
  requestContext: ApiGatewayRequestContextV2,
  pathParameters: Schema.optional(StringMap),
  stageVariables: Schema.optional(StringMap)
}).annotations({ identifier: "RequestAuthorizerEventV2" })

/**
 * @since 0.1.0
 * @category models
 */
export type RequestAuthorizerEventV2 = typeof RequestAuthorizerEventV2.Type

const StringOrList = Schema.Union(Schema.String, Schema.Array(Schema.String))

/**
 * One statement of an IAM policy. `Action` and `Resource` are a string or a list, as IAM
 * allows.
 *
 * @since 0.1.0
 * @category models
 */
export const PolicyStatement = Schema.Struct({
  Action: StringOrList,
  Effect: Schema.Literal("Allow", "Deny"),
  Resource: StringOrList
}).annotations({ identifier: "PolicyStatement" })

/**
 * @since 0.1.0
 * @category models
 */
export type PolicyStatement = typeof PolicyStatement.Type

/**
 * An authorizer's IAM policy answer. `context` values must be strings, numbers or booleans
 * (API Gateway refuses objects and arrays); `usageIdentifierKey` is the API key for usage
 * plans when the key source is `AUTHORIZER`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthorizerResponse = Schema.Struct({
  principalId: Schema.String,
  policyDocument: Schema.Struct({
    Version: Schema.String,
    Statement: Schema.Array(PolicyStatement)
  }),
  context: Schema.optional(Schema.Record({
    key: Schema.String,
    value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean)
  })),
  usageIdentifierKey: Schema.optional(Schema.String)
}).annotations({ identifier: "AuthorizerResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type AuthorizerResponse = typeof AuthorizerResponse.Type

/**
 * An HTTP API authorizer's simple answer (`enableSimpleResponses`). `context` values may be
 * any JSON; they reach the integration as `requestContext.authorizer.lambda`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SimpleAuthorizerResponse = Schema.Struct({
  isAuthorized: Schema.Boolean,
  context: Schema.optional(UnknownMap)
}).annotations({ identifier: "SimpleAuthorizerResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type SimpleAuthorizerResponse = typeof SimpleAuthorizerResponse.Type

/**
 * An IAM policy answer allowing or denying `execute-api:Invoke` on `resource`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const policy = (options: {
  readonly principalId: string
  readonly effect: "Allow" | "Deny"
  readonly resource: string | ReadonlyArray<string>
  readonly context?: AuthorizerResponse["context"]
}): AuthorizerResponse => ({
  principalId: options.principalId,
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: options.effect, Resource: options.resource }]
  },
  ...(options.context === undefined ? {} : { context: options.context })
})
