/**
 * Lambda Function URLs. The request uses API Gateway's payload format 2.0,
 * with sentinel values where a Function URL has no equivalent (`routeKey`
 * and `stage` are `"$default"`) and `null` in keys it never fills
 * (`pathParameters`, `stageVariables`, `authentication`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FunctionUrl } from "@effect-lambda/events"
 *
 * const handle = (event: FunctionUrl.FunctionUrlEvent) =>
 *   Effect.succeed<FunctionUrl.FunctionUrlResult>({
 *     statusCode: 201,
 *     headers: { "content-type": "application/json" },
 *     cookies: ["session=abc; Secure; HttpOnly"],
 *     body: JSON.stringify({ path: event.rawPath })
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ApiGatewayClientCert, HttpDescription, IamAuthorizer } from "./ApiGateway.js"
import { optionalNullable, StringMap } from "./internal/common.js"

/**
 * `requestContext` of a Function URL request. `authorizer.iam` is only
 * present when the URL uses `AWS_IAM` auth; with `NONE` auth `accountId`
 * is `"anonymous"`.
 *
 * @since 0.1.0
 * @category models
 */
export const FunctionUrlRequestContext = Schema.Struct({
  accountId: Schema.String,
  apiId: Schema.String,
  authentication: optionalNullable(
    Schema.Struct({ clientCert: Schema.optional(ApiGatewayClientCert) })
  ),
  authorizer: Schema.optional(Schema.Struct({ iam: Schema.optional(IamAuthorizer) })),
  domainName: Schema.String,
  domainPrefix: Schema.String,
  http: HttpDescription,
  requestId: Schema.String,
  // always "$default"; early samples of the format leave both keys out
  routeKey: Schema.optional(Schema.String),
  stage: Schema.optional(Schema.String),
  time: Schema.String,
  timeEpoch: Schema.Number
}).annotations({ identifier: "FunctionUrlRequestContext" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionUrlRequestContext = typeof FunctionUrlRequestContext.Type

/**
 * The event a function receives through its Function URL.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionUrlEvent = Schema.Struct({
  version: Schema.Literal("2.0"),
  routeKey: Schema.optional(Schema.String),
  rawPath: Schema.String,
  rawQueryString: Schema.String,
  cookies: Schema.optional(Schema.Array(Schema.String)),
  headers: StringMap,
  queryStringParameters: Schema.optional(StringMap),
  requestContext: FunctionUrlRequestContext,
  body: Schema.optional(Schema.String),
  pathParameters: optionalNullable(StringMap),
  isBase64Encoded: Schema.Boolean,
  stageVariables: optionalNullable(StringMap)
}).annotations({ identifier: "FunctionUrlEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionUrlEvent = typeof FunctionUrlEvent.Type

/**
 * What a function returns through its Function URL, in the structured form.
 *
 * `statusCode` is required for the same reason as in
 * `ApiGateway.ApiGatewayProxyResultV2`: without it Lambda sends the whole
 * object as a JSON body with status 200.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionUrlResult = Schema.Struct({
  statusCode: Schema.Int,
  headers: Schema.optional(StringMap),
  cookies: Schema.optional(Schema.Array(Schema.String)),
  body: Schema.optional(Schema.String),
  isBase64Encoded: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "FunctionUrlResult" })

/**
 * @since 0.1.0
 * @category models
 */
export type FunctionUrlResult = typeof FunctionUrlResult.Type
