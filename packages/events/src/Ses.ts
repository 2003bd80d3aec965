/**
 * Amazon SES email receiving: the event of a receipt rule's Lambda action, and the answer a
 * `RequestResponse` invocation may give to stop the rule or the rule set.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ses } from "@effect-lambda/events"
 *
 * // stop processing spam
 * const handle = (event: Ses.SesEvent) =>
 *   Effect.succeed<Ses.SesDisposition>({
 *     disposition: event.Records[0]?.ses.receipt.spamVerdict.status === "FAIL" ? "STOP_RULE_SET" : "CONTINUE"
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { optionalNullable } from "./internal/common.js"

const Verdict = Schema.Struct({
  status: Schema.Literal("PASS", "FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED")
})

/**
 * The headers SES parsed out of the message.
 *
 * @since 0.1.0
 * @category models
 */
export const CommonHeaders = Schema.Struct({
  returnPath: Schema.optional(Schema.String),
  from: Schema.optional(Schema.Array(Schema.String)),
  sender: Schema.optional(Schema.String),
  replyTo: Schema.optional(Schema.Array(Schema.String)),
  date: Schema.optional(Schema.String),
  to: Schema.optional(Schema.Array(Schema.String)),
  cc: Schema.optional(Schema.Array(Schema.String)),
  bcc: Schema.optional(Schema.Array(Schema.String)),
  messageId: Schema.optional(Schema.String),
  subject: Schema.optional(Schema.String)
}).annotations({ identifier: "SesCommonHeaders" })

/**
 * The message: envelope, all headers (unless truncated) and the common ones.
 *
 * @since 0.1.0
 * @category models
 */
export const Mail = Schema.Struct({
  timestamp: Schema.String,
  source: Schema.String,
  messageId: Schema.String,
  destination: Schema.Array(Schema.String),
  headersTruncated: Schema.Boolean,
  headers: Schema.Array(Schema.Struct({ name: Schema.String, value: Schema.String })),
  commonHeaders: CommonHeaders
}).annotations({ identifier: "SesMail" })

/**
 * What SES found on receipt: the checks' verdicts and the action that invoked the function.
 *
 * @since 0.1.0
 * @category models
 */
export const Receipt = Schema.Struct({
  timestamp: Schema.String,
  processingTimeMillis: Schema.Number,
  recipients: Schema.Array(Schema.String),
  spamVerdict: Verdict,
  virusVerdict: Verdict,
  spfVerdict: Verdict,
  dkimVerdict: Verdict,
  dmarcVerdict: Verdict,
  dmarcPolicy: optionalNullable(Schema.String),
  action: Schema.Struct({
    type: Schema.Literal("Lambda"),
    functionArn: Schema.String,
    invocationType: Schema.Literal("Event", "RequestResponse")
  })
}).annotations({ identifier: "SesReceipt" })

/**
 * One received message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SesRecord = Schema.Struct({
  eventSource: Schema.Literal("aws:ses"),
  eventVersion: Schema.String,
  ses: Schema.Struct({ mail: Mail, receipt: Receipt })
}).annotations({ identifier: "SesRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type SesRecord = typeof SesRecord.Type

/**
 * The receipt rule's event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SesEvent = Schema.Struct({ Records: Schema.Array(SesRecord) }).annotations({ identifier: "SesEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type SesEvent = typeof SesEvent.Type

/**
 * A `RequestResponse` invocation's answer: go on, stop this rule's remaining actions, or stop
 * the whole rule set.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SesDisposition = Schema.Struct({
  disposition: Schema.Literal("CONTINUE", "STOP_RULE", "STOP_RULE_SET")
}).annotations({ identifier: "SesDisposition" })

/**
 * @since 0.1.0
 * @category models
 */
export type SesDisposition = typeof SesDisposition.Type
