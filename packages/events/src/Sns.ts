/**
 * Amazon SNS notifications delivered to a subscribed function.
 *
 * Lambda uses its own spelling of the notification keys (`SigningCertUrl`,
 * `UnsubscribeUrl`), not the `…URL` of the HTTP/SQS deliveries.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sns } from "@effect-lambda/events"
 *
 * const handle = (event: Sns.SnsEvent) =>
 *   Effect.forEach(event.Records, (record) => Effect.log(record.Sns.Message), { discard: true })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable, SafeRecord } from "./internal/common.js"

/**
 * A message attribute: `Type` is `String`, `String.Array`, `Number` or
 * `Binary` (base64 `Value`).
 *
 * @since 0.1.0
 * @category models
 */
export const SnsMessageAttribute = Schema.Struct({
  Type: Schema.String,
  Value: Schema.String
}).annotations({ identifier: "SnsMessageAttribute" })

/**
 * @since 0.1.0
 * @category models
 */
export type SnsMessageAttribute = typeof SnsMessageAttribute.Type

/**
 * The notification itself. `Subject` is `null` when the publisher gave
 * none; `Message` is the published string, untouched.
 *
 * @since 0.1.0
 * @category models
 */
export const SnsMessage = Schema.Struct({
  SignatureVersion: Schema.String,
  Timestamp: Schema.String,
  Signature: Schema.String,
  SigningCertUrl: Schema.String,
  MessageId: Schema.String,
  Message: Schema.String,
  MessageAttributes: Schema.optional(SafeRecord(SnsMessageAttribute)),
  Type: Schema.String,
  UnsubscribeUrl: Schema.String,
  TopicArn: Schema.String,
  Subject: optionalNullable(Schema.String)
}).annotations({ identifier: "SnsMessage" })

/**
 * @since 0.1.0
 * @category models
 */
export type SnsMessage = typeof SnsMessage.Type

/**
 * One record of the event (Lambda delivers one notification per event).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SnsEventRecord = Schema.Struct({
  EventVersion: Schema.String,
  EventSubscriptionArn: Schema.String,
  EventSource: Schema.Literal("aws:sns"),
  Sns: SnsMessage
}).annotations({ identifier: "SnsEventRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type SnsEventRecord = typeof SnsEventRecord.Type

/**
 * The event of an SNS subscription.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SnsEvent = Schema.Struct({
  Records: Schema.Array(SnsEventRecord)
}).annotations({ identifier: "SnsEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type SnsEvent = typeof SnsEvent.Type
