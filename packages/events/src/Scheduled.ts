/**
 * The event of a scheduled rule (an EventBridge rule, formerly CloudWatch
 * Events, with a `rate(...)` or `cron(...)` expression): an EventBridge
 * envelope with `detail-type: "Scheduled Event"`, `source: "aws.events"`,
 * the rule's ARN in `resources` and an empty `detail`.
 *
 * A rule whose target has a constant input or an input transformer sends
 * that input instead of this event, and EventBridge Scheduler schedules
 * send their configured payload; neither is covered here.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Scheduled } from "@effect-lambda/events"
 *
 * const handle = (event: Scheduled.ScheduledEvent) => Effect.log(`tick at ${event.time}`)
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { EventBridgeEvent } from "./EventBridge.js"
import { UnknownMap } from "./internal/common.js"

/**
 * The event of a scheduled rule. `detail` is always `{}`; it is typed as
 * an open object so that nothing AWS might add is lost on re-encoding.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ScheduledEvent = Schema.Struct({
  ...EventBridgeEvent(UnknownMap).fields,
  "detail-type": Schema.Literal("Scheduled Event"),
  source: Schema.Literal("aws.events")
}).annotations({ identifier: "ScheduledEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type ScheduledEvent = typeof ScheduledEvent.Type
