/**
 * Lambda@Edge: CloudFront's viewer and origin request and response events, and what a function
 * returns (the request, changed or not, to go on; or a response to answer at once).
 *
 * Headers are keyed by lowercase name; each holds a list of `{ key, value }` where `key` is
 * the name as sent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CloudFront } from "@effect-lambda/events"
 *
 * // answer /healthz at the edge, let everything else through
 * const handle = (event: CloudFront.CloudFrontRequestEvent) => {
 *   const request = event.Records[0]!.cf.request
 *   return Effect.succeed<CloudFront.CloudFrontRequestResult>(
 *     request.uri === "/healthz" ? { status: "200", body: "ok" } : request
 *   )
 * }
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Headers by lowercase name.
 *
 * @since 0.1.0
 * @category models
 */
export const Headers = Schema.Record({
  key: Schema.String,
  value: Schema.Array(Schema.Struct({ key: Schema.optional(Schema.String), value: Schema.String }))
}).annotations({ identifier: "CloudFrontHeaders" })

/**
 * @since 0.1.0
 * @category models
 */
export type Headers = typeof Headers.Type

/**
 * The distribution and the event's stage.
 *
 * @since 0.1.0
 * @category models
 */
export const Config = Schema.Struct({
  distributionDomainName: Schema.String,
  distributionId: Schema.String,
  eventType: Schema.Literal("viewer-request", "origin-request", "origin-response", "viewer-response"),
  requestId: Schema.String
}).annotations({ identifier: "CloudFrontConfig" })

const CustomHeaders = Schema.Record({
  key: Schema.String,
  value: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String }))
})

/**
 * The origin of an origin-request event: a custom (HTTP) origin or an S3 bucket.
 *
 * @since 0.1.0
 * @category models
 */
export const Origin = Schema.Union(
  Schema.Struct({
    custom: Schema.Struct({
      customHeaders: CustomHeaders,
      domainName: Schema.String,
      keepaliveTimeout: Schema.Number,
      path: Schema.String,
      port: Schema.Number,
      protocol: Schema.Literal("http", "https"),
      readTimeout: Schema.Number,
      sslProtocols: Schema.Array(Schema.String)
    })
  }),
  Schema.Struct({
    s3: Schema.Struct({
      authMethod: Schema.Literal("origin-access-identity", "none"),
      customHeaders: CustomHeaders,
      domainName: Schema.String,
      path: Schema.String,
      region: Schema.String
    })
  })
).annotations({ identifier: "CloudFrontOrigin" })

/**
 * The request body, when the behaviour includes it (`inputTruncated` past 40 KB for viewer
 * events, 1 MB for origin events). To replace it, set `action: "replace"`.
 *
 * @since 0.1.0
 * @category models
 */
export const Body = Schema.Struct({
  inputTruncated: Schema.Boolean,
  action: Schema.Literal("read-only", "replace"),
  encoding: Schema.Literal("base64", "text"),
  data: Schema.String
}).annotations({ identifier: "CloudFrontBody" })

/**
 * The viewer's request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudFrontRequest = Schema.Struct({
  clientIp: Schema.String,
  headers: Headers,
  method: Schema.String,
  querystring: Schema.String,
  uri: Schema.String,
  body: Schema.optional(Body),
  origin: Schema.optional(Origin)
}).annotations({ identifier: "CloudFrontRequest" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudFrontRequest = typeof CloudFrontRequest.Type

/**
 * The response of the origin (or the cache), in response events.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudFrontResponse = Schema.Struct({
  status: Schema.String,
  statusDescription: Schema.optional(Schema.String),
  headers: Headers
}).annotations({ identifier: "CloudFrontResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudFrontResponse = typeof CloudFrontResponse.Type

/**
 * A viewer-request or origin-request event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudFrontRequestEvent = Schema.Struct({
  Records: Schema.Array(Schema.Struct({ cf: Schema.Struct({ config: Config, request: CloudFrontRequest }) }))
}).annotations({ identifier: "CloudFrontRequestEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudFrontRequestEvent = typeof CloudFrontRequestEvent.Type

/**
 * An origin-response or viewer-response event: the request and its response.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudFrontResponseEvent = Schema.Struct({
  Records: Schema.Array(Schema.Struct({
    cf: Schema.Struct({ config: Config, request: CloudFrontRequest, response: CloudFrontResponse })
  }))
}).annotations({ identifier: "CloudFrontResponseEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudFrontResponseEvent = typeof CloudFrontResponseEvent.Type

/**
 * A response generated at the edge. `status` is a string as CloudFront sends it;
 * `bodyEncoding` says whether `body` is base64.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudFrontResultResponse = Schema.Struct({
  status: Schema.String,
  statusDescription: Schema.optional(Schema.String),
  headers: Schema.optional(Headers),
  body: Schema.optional(Schema.String),
  bodyEncoding: Schema.optional(Schema.Literal("text", "base64"))
}).annotations({ identifier: "CloudFrontResultResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type CloudFrontResultResponse = typeof CloudFrontResultResponse.Type

/**
 * What a request event's function returns: the request to forward, or a response. The
 * response is tried first: a request always has `uri`, a response never does.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CloudFrontRequestResult = Schema.Union(CloudFrontRequest, CloudFrontResultResponse).annotations({
  identifier: "CloudFrontRequestResult"
})

/**
 * @since 0.1.0
 * @category models
 */
export type CloudFrontRequestResult = typeof CloudFrontRequestResult.Type
