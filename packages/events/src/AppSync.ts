/**
 * AWS AppSync: the events of direct Lambda resolvers (one event, or a list with batching), and
 * of Lambda authorizers with the answer AppSync expects.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { AppSync } from "@effect-lambda/events"
 *
 * const GetPost = AppSync.ResolverEventWith({ arguments: Schema.Struct({ id: Schema.String }) })
 * const handle = (event: typeof GetPost.Type) =>
 *   Effect.succeed({ id: event.arguments.id, title: "Hello" })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable, StringMap, UnknownMap } from "./internal/common.js"

/**
 * The caller, depending on the API's authorization mode: IAM (`accountId`, `userArn`…),
 * Cognito user pools (`sub`, `username`, `claims`, `groups`…), OIDC (`sub`, `issuer`,
 * `claims`) or a Lambda authorizer (`resolverContext`); `null` for API keys. Its keys are kept
 * as they came.
 *
 * @since 0.1.0
 * @category models
 */
export const Identity = Schema.NullOr(UnknownMap).annotations({ identifier: "AppSyncIdentity" })

/**
 * What is being resolved.
 *
 * @since 0.1.0
 * @category models
 */
export const Info = Schema.Struct({
  fieldName: Schema.String,
  parentTypeName: Schema.String,
  selectionSetList: Schema.Array(Schema.String),
  selectionSetGraphQL: Schema.String,
  variables: UnknownMap
}).annotations({ identifier: "AppSyncInfo" })

/**
 * A direct resolver's event with the given `arguments` and `source` schemas.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ResolverEventWith = <
  Args extends Schema.Schema.Any = typeof UnknownMap,
  Source extends Schema.Schema.Any = Schema.NullOr<typeof UnknownMap>
>(
  fields: { readonly arguments?: Args; readonly source?: Source } = {}
) =>
  Schema.Struct({
    arguments: (fields.arguments ?? UnknownMap) as Args,
    identity: optionalNullable(UnknownMap),
    source: (fields.source ?? Schema.NullOr(UnknownMap)) as Source,
    request: Schema.Struct({
      headers: StringMap,
      domainName: optionalNullable(Schema.String)
    }),
    prev: Schema.NullOr(Schema.Struct({ result: Schema.Unknown })),
    info: Info,
    stash: UnknownMap
  })

/**
 * A direct Lambda resolver's event (request and response mapping templates disabled).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResolverEvent = ResolverEventWith().annotations({ identifier: "AppSyncResolverEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ResolverEvent = typeof ResolverEvent.Type

/**
 * A batch resolver's event (`BatchInvoke`): one entry per field to resolve; the function
 * answers with a list of results in the same order.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchResolverEvent = Schema.Array(ResolverEvent).annotations({ identifier: "AppSyncBatchResolverEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type BatchResolverEvent = typeof BatchResolverEvent.Type

/**
 * A Lambda authorizer's event: the token of the `Authorization` header and the operation.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthorizerEvent = Schema.Struct({
  authorizationToken: Schema.String,
  requestContext: Schema.Struct({
    apiId: Schema.String,
    accountId: Schema.String,
    requestId: Schema.String,
    queryString: Schema.String,
    operationName: Schema.optional(Schema.String),
    variables: UnknownMap
  }),
  requestHeaders: StringMap
}).annotations({ identifier: "AppSyncAuthorizerEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type AuthorizerEvent = typeof AuthorizerEvent.Type

/**
 * A Lambda authorizer's answer. `resolverContext` reaches resolvers as
 * `identity.resolverContext`; `deniedFields` hides fields (`Type.field` or ARNs);
 * `ttlOverride` caches the answer for that many seconds.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthorizerResponse = Schema.Struct({
  isAuthorized: Schema.Boolean,
  resolverContext: Schema.optional(UnknownMap),
  deniedFields: Schema.optional(Schema.Array(Schema.String)),
  ttlOverride: Schema.optional(Schema.Number)
}).annotations({ identifier: "AppSyncAuthorizerResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type AuthorizerResponse = typeof AuthorizerResponse.Type
