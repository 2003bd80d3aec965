/**
 * Amazon EventBridge events delivered to a function by a rule. The
 * envelope is the same for every source; `detail` is specific to each
 * `source`/`detail-type` pair, so the schema is built from a schema of the
 * detail.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { EventBridge } from "@effect-lambda/events"
 *
 * const InstanceStateChange = EventBridge.EventBridgeEvent(
 *   Schema.Struct({ "instance-id": Schema.String, state: Schema.String })
 * )
 * type InstanceStateChange = typeof InstanceStateChange.Type
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * An EventBridge event whose `detail` is a `Detail`. The hyphenated keys
 * keep AWS's names (`event["detail-type"]`) so the JSON round-trips as is.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventBridgeEvent<Detail = unknown> {
  readonly version: string
  readonly id: string
  readonly "detail-type": string
  readonly source: string
  readonly account: string
  readonly time: string
  readonly region: string
  readonly resources: ReadonlyArray<string>
  readonly detail: Detail
  /** Present when the event comes from an archive replay. */
  readonly "replay-name"?: string | undefined
}

/**
 * The schema of an EventBridge event whose `detail` goes through `detail`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const EventBridgeEvent = <A, I, R>(detail: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    version: Schema.String,
    id: Schema.String,
    "detail-type": Schema.String,
    source: Schema.String,
    account: Schema.String,
    time: Schema.String,
    region: Schema.String,
    resources: Schema.Array(Schema.String),
    detail,
    "replay-name": Schema.optional(Schema.String)
  })

/**
 * Any EventBridge event, `detail` left `unknown`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AnyEventBridgeEvent = EventBridgeEvent(Schema.Unknown).annotations({
  identifier: "AnyEventBridgeEvent"
})

/**
 * @since 0.1.0
 * @category models
 */
export type AnyEventBridgeEvent = EventBridgeEvent<unknown>
