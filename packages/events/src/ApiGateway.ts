/**
 * Amazon API Gateway proxy integrations: the REST API (payload format 1.0,
 * also sent by HTTP APIs configured for 1.0) and the HTTP API (payload
 * format 2.0), with the results a function returns to each.
 *
 * The schemas transform nothing: bodies stay strings (base64 when
 * `isBase64Encoded`), so `encode(decode(event))` gives back the same JSON.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ApiGateway } from "@effect-lambda/events"
 *
 * const handle = (event: ApiGateway.ApiGatewayProxyEventV2) =>
 *   Effect.succeed<ApiGateway.ApiGatewayProxyResultV2>({
 *     statusCode: 200,
 *     headers: { "content-type": "text/plain" },
 *     body: `hello from ${event.rawPath}`
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable, StringListMap, StringMap, UnknownMap } from "./internal/common.js"

// ---------------------------------------------------------------------------
// shared
// ---------------------------------------------------------------------------

/**
 * The client certificate of a mutual TLS request (custom domain with mTLS).
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayClientCert = Schema.Struct({
  clientCertPem: Schema.String,
  subjectDN: Schema.String,
  issuerDN: Schema.String,
  serialNumber: Schema.String,
  validity: Schema.Struct({
    notBefore: Schema.String,
    notAfter: Schema.String
  })
}).annotations({ identifier: "ApiGatewayClientCert" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayClientCert = typeof ApiGatewayClientCert.Type

// ---------------------------------------------------------------------------
// REST API / payload format 1.0
// ---------------------------------------------------------------------------

/**
 * `requestContext.identity` of a 1.0 event. API Gateway sends every key it
 * knows with `null` when it has no value (e.g. `cognitoIdentityId` without
 * Cognito), and some keys only in some setups (`apiKey` with usage plans,
 * `vpcId` on private APIs), hence optional and nullable.
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayRequestIdentity = Schema.Struct({
  accessKey: optionalNullable(Schema.String),
  accountId: optionalNullable(Schema.String),
  apiKey: optionalNullable(Schema.String),
  apiKeyId: optionalNullable(Schema.String),
  caller: optionalNullable(Schema.String),
  clientCert: optionalNullable(ApiGatewayClientCert),
  cognitoAuthenticationProvider: optionalNullable(Schema.String),
  cognitoAuthenticationType: optionalNullable(Schema.String),
  cognitoIdentityId: optionalNullable(Schema.String),
  cognitoIdentityPoolId: optionalNullable(Schema.String),
  principalOrgId: optionalNullable(Schema.String),
  // The console's "Test" button sends the literal "test-invoke-source-ip",
  // so this is any string, not an IP address.
  sourceIp: Schema.String,
  user: optionalNullable(Schema.String),
  userAgent: optionalNullable(Schema.String),
  userArn: optionalNullable(Schema.String),
  vpcId: Schema.optional(Schema.String),
  vpceId: Schema.optional(Schema.String)
}).annotations({ identifier: "ApiGatewayRequestIdentity" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayRequestIdentity = typeof ApiGatewayRequestIdentity.Type

/**
 * `requestContext` of a 1.0 event.
 *
 * `authorizer` holds whatever the authorizer produced: `claims` for Cognito,
 * `principalId`, `integrationLatency` and the returned `context` entries for
 * a Lambda authorizer, so its values are left `unknown`.
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayRequestContext = Schema.Struct({
  accountId: Schema.String,
  apiId: Schema.String,
  authorizer: optionalNullable(UnknownMap),
  deploymentId: Schema.optional(Schema.String),
  domainName: Schema.optional(Schema.String),
  domainPrefix: Schema.optional(Schema.String),
  extendedRequestId: Schema.optional(Schema.String),
  httpMethod: Schema.String,
  identity: ApiGatewayRequestIdentity,
  operationName: optionalNullable(Schema.String),
  path: Schema.String,
  protocol: Schema.String,
  requestId: Schema.String,
  requestTime: Schema.String,
  requestTimeEpoch: Schema.Number,
  // null for HTTP APIs sending payload format 1.0
  resourceId: Schema.NullOr(Schema.String),
  resourcePath: Schema.String,
  stage: Schema.String
}).annotations({ identifier: "ApiGatewayRequestContext" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayRequestContext = typeof ApiGatewayRequestContext.Type

/**
 * The Lambda proxy integration event of a REST API (payload format 1.0).
 *
 * API Gateway always sends every key and uses `null` for the empty ones:
 * no query string gives `queryStringParameters: null` and
 * `multiValueQueryStringParameters: null`, no body gives `body: null`.
 * HTTP APIs sending 1.0 add `version: "1.0"`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ApiGateway } from "@effect-lambda/events"
 *
 * const decode = Schema.decodeUnknown(ApiGateway.ApiGatewayProxyEvent)
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiGatewayProxyEvent = Schema.Struct({
  version: Schema.optional(Schema.String),
  resource: Schema.String,
  path: Schema.String,
  httpMethod: Schema.String,
  headers: Schema.NullOr(StringMap),
  multiValueHeaders: Schema.NullOr(StringListMap),
  queryStringParameters: Schema.NullOr(StringMap),
  multiValueQueryStringParameters: Schema.NullOr(StringListMap),
  pathParameters: Schema.NullOr(StringMap),
  stageVariables: Schema.NullOr(StringMap),
  requestContext: ApiGatewayRequestContext,
  body: Schema.NullOr(Schema.String),
  isBase64Encoded: Schema.Boolean
}).annotations({ identifier: "ApiGatewayProxyEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayProxyEvent = typeof ApiGatewayProxyEvent.Type

/**
 * What a function returns to a REST API proxy integration (payload 1.0).
 *
 * When both `headers` and `multiValueHeaders` name a header, API Gateway
 * merges them; `body` may be left out for an empty response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiGatewayProxyResult = Schema.Struct({
  statusCode: Schema.Int,
  headers: Schema.optional(StringMap),
  multiValueHeaders: Schema.optional(StringListMap),
  body: Schema.optional(Schema.String),
  isBase64Encoded: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "ApiGatewayProxyResult" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayProxyResult = typeof ApiGatewayProxyResult.Type

// ---------------------------------------------------------------------------
// HTTP API / payload format 2.0
// ---------------------------------------------------------------------------

/**
 * `requestContext.authorizer.iam` of a 2.0 event (IAM authorization), also
 * used by Function URLs with `AWS_IAM` auth.
 *
 * @since 0.1.0
 * @category models
 */
export const IamAuthorizer = Schema.Struct({
  accessKey: Schema.optional(Schema.String),
  accountId: Schema.optional(Schema.String),
  callerId: Schema.optional(Schema.String),
  cognitoIdentity: optionalNullable(
    Schema.Struct({
      amr: Schema.Array(Schema.String),
      identityId: Schema.String,
      identityPoolId: Schema.String
    })
  ),
  principalOrgId: optionalNullable(Schema.String),
  userArn: Schema.optional(Schema.String),
  userId: Schema.optional(Schema.String)
}).annotations({ identifier: "IamAuthorizer" })

/**
 * @since 0.1.0
 * @category models
 */
export type IamAuthorizer = typeof IamAuthorizer.Type

/**
 * `requestContext.authorizer` of a 2.0 event: exactly one of `jwt`, `iam`
 * or `lambda` is present, depending on the route's authorizer. `lambda` is
 * the `context` a Lambda authorizer returned (`null` when it returned none).
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayAuthorizerV2 = Schema.Struct({
  jwt: Schema.optional(
    Schema.Struct({
      claims: UnknownMap,
      scopes: optionalNullable(Schema.Array(Schema.String))
    })
  ),
  iam: Schema.optional(IamAuthorizer),
  lambda: optionalNullable(UnknownMap)
}).annotations({ identifier: "ApiGatewayAuthorizerV2" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayAuthorizerV2 = typeof ApiGatewayAuthorizerV2.Type

/**
 * `requestContext.http` of a 2.0 event (HTTP API and Function URL).
 *
 * @since 0.1.0
 * @category models
 */
export const HttpDescription = Schema.Struct({
  method: Schema.String,
  path: Schema.String,
  protocol: Schema.String,
  sourceIp: Schema.String,
  userAgent: Schema.String
}).annotations({ identifier: "HttpDescription" })

/**
 * @since 0.1.0
 * @category models
 */
export type HttpDescription = typeof HttpDescription.Type

/**
 * `requestContext` of an HTTP API 2.0 event.
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayRequestContextV2 = Schema.Struct({
  accountId: Schema.String,
  apiId: Schema.String,
  authentication: optionalNullable(
    Schema.Struct({ clientCert: Schema.optional(ApiGatewayClientCert) })
  ),
  authorizer: Schema.optional(ApiGatewayAuthorizerV2),
  domainName: Schema.String,
  domainPrefix: Schema.String,
  http: HttpDescription,
  requestId: Schema.String,
  routeKey: Schema.String,
  stage: Schema.String,
  time: Schema.String,
  timeEpoch: Schema.Number
}).annotations({ identifier: "ApiGatewayRequestContextV2" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayRequestContextV2 = typeof ApiGatewayRequestContextV2.Type

/**
 * The Lambda proxy integration event of an HTTP API (payload format 2.0).
 *
 * Unlike 1.0, empty parts are left out rather than `null`: no query string
 * means no `queryStringParameters`, no body means no `body`. Repeated
 * headers and query parameters arrive joined with commas, cookies arrive
 * in `cookies` rather than in a `cookie` header.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiGatewayProxyEventV2 = Schema.Struct({
  version: Schema.Literal("2.0"),
  routeKey: Schema.String,
  rawPath: Schema.String,
  rawQueryString: Schema.String,
  cookies: Schema.optional(Schema.Array(Schema.String)),
  headers: StringMap,
  queryStringParameters: Schema.optional(StringMap),
  pathParameters: Schema.optional(StringMap),
  stageVariables: Schema.optional(StringMap),
  requestContext: ApiGatewayRequestContextV2,
  body: Schema.optional(Schema.String),
  isBase64Encoded: Schema.Boolean
}).annotations({ identifier: "ApiGatewayProxyEventV2" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayProxyEventV2 = typeof ApiGatewayProxyEventV2.Type

/**
 * What a function returns to an HTTP API (payload 2.0), in its structured
 * form. Each entry of `cookies` becomes one `set-cookie` header.
 *
 * `statusCode` is required here although AWS's own typings make it
 * optional: an answer without it is not read as this structure but sent
 * whole, as JSON, as the body of a 200 ("inferred" format), which is never
 * what a function returning `{ body }` meant.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiGatewayProxyResultV2 = Schema.Struct({
  statusCode: Schema.Int,
  headers: Schema.optional(StringMap),
  cookies: Schema.optional(Schema.Array(Schema.String)),
  body: Schema.optional(Schema.String),
  isBase64Encoded: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "ApiGatewayProxyResultV2" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayProxyResultV2 = typeof ApiGatewayProxyResultV2.Type
