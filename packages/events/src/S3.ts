/**
 * Amazon S3 event notifications delivered directly to a function (the
 * "Records" format, event versions 2.1 to 2.3; not the EventBridge form).
 *
 * `s3.object.key` is URL-encoded as in a query string (a space is `+`):
 * decode it with `decodeURIComponent(key.replace(/\+/g, " "))` before
 * using it with the S3 API.
 *
 * @example
 * ```ts
 * import { S3 } from "@effect-lambda/events"
 *
 * const keys = (event: S3.S3Event) =>
 *   event.Records.map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, " ")))
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable } from "./internal/common.js"

/**
 * The object the event is about. `size` and `eTag` are absent from delete
 * events, `versionId` is only present for versioned buckets.
 *
 * @since 0.1.0
 * @category models
 */
export const S3Object = Schema.Struct({
  key: Schema.String,
  size: Schema.optional(Schema.Number),
  eTag: Schema.optional(Schema.String),
  versionId: optionalNullable(Schema.String),
  // only ordered within one key: compare as hex strings padded to equal length
  sequencer: Schema.optional(Schema.String)
}).annotations({ identifier: "S3Object" })

/**
 * @since 0.1.0
 * @category models
 */
export type S3Object = typeof S3Object.Type

/**
 * The `s3` part of a record: which notification configuration matched,
 * which bucket, which object.
 *
 * @since 0.1.0
 * @category models
 */
export const S3Entity = Schema.Struct({
  s3SchemaVersion: Schema.String,
  configurationId: Schema.String,
  bucket: Schema.Struct({
    name: Schema.String,
    ownerIdentity: Schema.Struct({ principalId: Schema.String }),
    arn: Schema.String
  }),
  object: S3Object
}).annotations({ identifier: "S3Entity" })

/**
 * @since 0.1.0
 * @category models
 */
export type S3Entity = typeof S3Entity.Type

/**
 * One record. The `…EventData` keys come with event version 2.3 and only
 * with their own event types: `glacierEventData` with
 * `ObjectRestore:Completed`, `lifecycleEventData` with
 * `LifecycleTransition`, `intelligentTieringEventData` with
 * `IntelligentTiering`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const S3EventRecord = Schema.Struct({
  eventVersion: Schema.String,
  eventSource: Schema.Literal("aws:s3"),
  awsRegion: Schema.String,
  eventTime: Schema.String,
  eventName: Schema.String,
  userIdentity: Schema.Struct({ principalId: Schema.String }),
  requestParameters: Schema.Struct({ sourceIPAddress: Schema.String }),
  responseElements: Schema.Struct({
    "x-amz-request-id": Schema.String,
    "x-amz-id-2": Schema.String
  }),
  s3: S3Entity,
  glacierEventData: Schema.optional(
    Schema.Struct({
      restoreEventData: Schema.Struct({
        lifecycleRestorationExpiryTime: Schema.String,
        lifecycleRestoreStorageClass: Schema.String
      })
    })
  ),
  lifecycleEventData: Schema.optional(
    Schema.Struct({
      transitionEventData: Schema.Struct({ destinationStorageClass: Schema.String })
    })
  ),
  intelligentTieringEventData: Schema.optional(
    Schema.Struct({ destinationAccessTier: Schema.String })
  )
}).annotations({ identifier: "S3EventRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type S3EventRecord = typeof S3EventRecord.Type

/**
 * The event of an S3 bucket notification.
 *
 * @since 0.1.0
 * @category schemas
 */
export const S3Event = Schema.Struct({
  Records: Schema.Array(S3EventRecord)
}).annotations({ identifier: "S3Event" })

/**
 * @since 0.1.0
 * @category models
 */
export type S3Event = typeof S3Event.Type
