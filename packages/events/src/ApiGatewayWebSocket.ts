/**
 * Amazon API Gateway WebSocket APIs with a Lambda proxy integration: the
 * `$connect`, `$disconnect`, `$default` and custom-route events, told apart by
 * `requestContext.eventType` (`CONNECT`, `DISCONNECT`, `MESSAGE`) and
 * `requestContext.routeKey`, and the result a function returns.
 *
 * Which keys come depends on the event: `$connect` carries the handshake's
 * headers and query string (and no body), `$disconnect` the headers and the
 * close code and reason, a message its `messageId` and body (no headers).
 * The schemas transform nothing, so `encode(decode(event))` gives back the
 * same JSON. Messages are sent back to a client with the
 * `@connections` API (`ApiGatewayManagementApi`'s `PostToConnection`), not in
 * the result, unless the route has a route response.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ApiGatewayWebSocket } from "@effect-lambda/events"
 *
 * const handle = (event: ApiGatewayWebSocket.ApiGatewayWebSocketEvent) =>
 *   Effect.succeed<ApiGatewayWebSocket.ApiGatewayWebSocketResult>(
 *     event.requestContext.eventType === "CONNECT" && event.queryStringParameters?.token === undefined
 *       ? { statusCode: 401 }
 *       : { statusCode: 200 }
 *   )
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ApiGatewayProxyResult, ApiGatewayRequestIdentity } from "./ApiGateway.js"
import { optionalNullable, StringListMap, StringMap, UnknownMap } from "./internal/common.js"

/**
 * What happened on the connection: `CONNECT` (`$connect`), `DISCONNECT`
 * (`$disconnect`) or `MESSAGE` (`$default` and custom routes).
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayWebSocketEventType = Schema.Literal("CONNECT", "DISCONNECT", "MESSAGE").annotations({
  identifier: "ApiGatewayWebSocketEventType"
})

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayWebSocketEventType = typeof ApiGatewayWebSocketEventType.Type

/**
 * `requestContext` of a WebSocket event.
 *
 * `identity` has the REST API's shape: `sourceIp` always, `userAgent` from
 * browsers, the caller's keys with IAM authorization. `authorizer` holds what
 * the `$connect` route's authorizer returned (`principalId`, its `context`
 * entries), on every event of the connection.
 *
 * @since 0.1.0
 * @category models
 */
export const ApiGatewayWebSocketRequestContext = Schema.Struct({
  routeKey: Schema.String,
  eventType: ApiGatewayWebSocketEventType,
  // MESSAGE only; some CONNECT events carry `null`
  messageId: optionalNullable(Schema.String),
  extendedRequestId: Schema.String,
  requestTime: Schema.String,
  messageDirection: Schema.String,
  stage: Schema.String,
  connectedAt: Schema.Number,
  requestTimeEpoch: Schema.Number,
  identity: ApiGatewayRequestIdentity,
  requestId: Schema.String,
  domainName: Schema.String,
  connectionId: Schema.String,
  apiId: Schema.String,
  authorizer: optionalNullable(UnknownMap),
  // DISCONNECT only: the close frame's code (1000 normal, 1001 going away, 1006 lost…) and reason
  disconnectStatusCode: optionalNullable(Schema.Number),
  disconnectReason: optionalNullable(Schema.String)
}).annotations({ identifier: "ApiGatewayWebSocketRequestContext" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayWebSocketRequestContext = typeof ApiGatewayWebSocketRequestContext.Type

/**
 * The Lambda proxy integration event of a WebSocket API route.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ApiGatewayWebSocket } from "@effect-lambda/events"
 *
 * const decode = Schema.decodeUnknown(ApiGatewayWebSocket.ApiGatewayWebSocketEvent)
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiGatewayWebSocketEvent = Schema.Struct({
  headers: Schema.optional(StringMap),
  multiValueHeaders: Schema.optional(StringListMap),
  queryStringParameters: optionalNullable(StringMap),
  multiValueQueryStringParameters: optionalNullable(StringListMap),
  stageVariables: optionalNullable(StringMap),
  requestContext: ApiGatewayWebSocketRequestContext,
  body: optionalNullable(Schema.String),
  isBase64Encoded: Schema.Boolean
}).annotations({ identifier: "ApiGatewayWebSocketEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayWebSocketEvent = typeof ApiGatewayWebSocketEvent.Type

/**
 * What a function returns to a WebSocket route. For `$connect`, a status
 * other than 2xx refuses the connection; for other routes it reaches the
 * client only when the route has a route response (two-way). The format is
 * the REST API's proxy result (`ApiGateway.ApiGatewayProxyResult`), which
 * this schema is, under its own identifier.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ApiGatewayWebSocketResult = ApiGatewayProxyResult.annotations({ identifier: "ApiGatewayWebSocketResult" })

/**
 * @since 0.1.0
 * @category models
 */
export type ApiGatewayWebSocketResult = typeof ApiGatewayWebSocketResult.Type
