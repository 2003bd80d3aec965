/**
 * Application Load Balancer requests to a Lambda target group, and the
 * response the load balancer expects back.
 *
 * A target group sends either single-value maps (`headers`,
 * `queryStringParameters`) or, when multi-value headers are enabled on it,
 * only the multi-value maps (`multiValueHeaders`,
 * `multiValueQueryStringParameters`); never both. The response must use the
 * same style. Query string values arrive exactly as the client sent them,
 * still percent-encoded, unlike API Gateway.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alb } from "@effect-lambda/events"
 *
 * const handle = (event: Alb.AlbEvent) =>
 *   Effect.succeed<Alb.AlbResult>({
 *     statusCode: 200,
 *     statusDescription: "200 OK",
 *     headers: { "content-type": "text/plain" },
 *     body: event.path,
 *     isBase64Encoded: false
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { StringListMap, StringMap } from "./internal/common.js"

/**
 * `requestContext` of an ALB event: only the target group that routed it.
 *
 * @since 0.1.0
 * @category models
 */
export const AlbRequestContext = Schema.Struct({
  elb: Schema.Struct({ targetGroupArn: Schema.String })
}).annotations({ identifier: "AlbRequestContext" })

/**
 * @since 0.1.0
 * @category models
 */
export type AlbRequestContext = typeof AlbRequestContext.Type

/**
 * The event an ALB sends to a Lambda target. `body` is always present,
 * `""` for a request without one.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AlbEvent = Schema.Struct({
  requestContext: AlbRequestContext,
  httpMethod: Schema.String,
  path: Schema.String,
  queryStringParameters: Schema.optional(StringMap),
  headers: Schema.optional(StringMap),
  multiValueQueryStringParameters: Schema.optional(StringListMap),
  multiValueHeaders: Schema.optional(StringListMap),
  body: Schema.String,
  isBase64Encoded: Schema.Boolean
}).annotations({ identifier: "AlbEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type AlbEvent = typeof AlbEvent.Type

/**
 * What a Lambda target returns to the ALB. Use `multiValueHeaders` when
 * the target group has multi-value headers enabled, `headers` otherwise.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AlbResult = Schema.Struct({
  statusCode: Schema.Int,
  statusDescription: Schema.optional(Schema.String),
  headers: Schema.optional(StringMap),
  multiValueHeaders: Schema.optional(StringListMap),
  body: Schema.optional(Schema.String),
  isBase64Encoded: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "AlbResult" })

/**
 * @since 0.1.0
 * @category models
 */
export type AlbResult = typeof AlbResult.Type
