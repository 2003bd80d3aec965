import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { EventBridge, Scheduled } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

const Ec2StateChange = EventBridge.EventBridgeEvent(
  Schema.Struct({
    "instance-id": Schema.String,
    state: Schema.Literal("pending", "running", "stopping", "stopped", "shutting-down", "terminated")
  })
)

const OrderShipped = EventBridge.EventBridgeEvent(
  Schema.Struct({
    orderId: Schema.String,
    carrier: Schema.String,
    items: Schema.Array(Schema.Struct({ sku: Schema.String, quantity: Schema.Int })),
    giftWrap: Schema.Boolean,
    note: Schema.NullOr(Schema.String)
  })
)

describe("EventBridge", () => {
  it("round-trips any event with AnyEventBridgeEvent", () => {
    const event = expectRoundTrip(EventBridge.AnyEventBridgeEvent, fixture("eventbridge-ec2-state-change.json"))
    expect(event["detail-type"]).toBe("EC2 Instance State-change Notification")
    expect(event.detail).toStrictEqual({ "instance-id": "i-0abcd1234ef567890", state: "stopped" })
    expectRoundTrip(EventBridge.AnyEventBridgeEvent, fixture("eventbridge-custom-replay.json"))
    expectRoundTrip(EventBridge.AnyEventBridgeEvent, fixture("scheduled.json"))
  })

  it.effect("decodes detail through the given schema", () =>
    Effect.gen(function*() {
      const event = yield* Schema.decodeUnknown(Ec2StateChange)(fixture("eventbridge-ec2-state-change.json"))
      expect(event.detail.state).toBe("stopped")
      const typed: EventBridge.EventBridgeEvent<{ readonly state: string }> = event
      expect(typed.resources).toHaveLength(1)
      // and the interface is exactly the schema's type, both ways
      const back: typeof EventBridge.AnyEventBridgeEvent.Type = {} as EventBridge.AnyEventBridgeEvent
      expect(back).toStrictEqual({})
    }))

  it("round-trips a replayed custom event with a typed detail", () => {
    const event = expectRoundTrip(OrderShipped, fixture("eventbridge-custom-replay.json"))
    expect(event["replay-name"]).toBe("orders-replay-2023-11-24")
    expect(event.detail.items[0]?.quantity).toBe(2)
    expect(event.resources).toStrictEqual([])
  })

  it("rejects wrong payloads", () => {
    expectParseError(Ec2StateChange, fixture("eventbridge-custom-replay.json"))

    const badState = mutable("eventbridge-ec2-state-change.json")
    badState.detail.state = "melted"
    expectParseError(Ec2StateChange, badState)

    const noDetailType = mutable("eventbridge-ec2-state-change.json")
    delete noDetailType["detail-type"]
    expectParseError(EventBridge.AnyEventBridgeEvent, noDetailType)

    const resourcesString = mutable("scheduled.json")
    resourcesString.resources = "arn:aws:events:us-east-1:123456789012:rule/nightly-cleanup"
    expectParseError(EventBridge.AnyEventBridgeEvent, resourcesString)
  })
})

describe("Scheduled", () => {
  it("round-trips a scheduled rule event", () => {
    const event = expectRoundTrip(Scheduled.ScheduledEvent, fixture("scheduled.json"))
    expect(event["detail-type"]).toBe("Scheduled Event")
    expect(event.detail).toStrictEqual({})
    expect(event.resources[0]).toMatch(/:rule\/nightly-cleanup$/)
  })

  it("rejects events that are not from a schedule", () => {
    expectParseError(Scheduled.ScheduledEvent, fixture("eventbridge-ec2-state-change.json"))

    const wrongSource = mutable("scheduled.json")
    wrongSource.source = "aws.scheduler"
    expectParseError(Scheduled.ScheduledEvent, wrongSource)

    const arrayDetail = mutable("scheduled.json")
    arrayDetail.detail = []
    expectParseError(Scheduled.ScheduledEvent, arrayDetail)
  })
})
