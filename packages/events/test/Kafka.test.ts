import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { Kafka } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("Kafka", () => {
  it("round-trips MSK and self-managed batches (tombstone and keyless record included)", () => {
    const msk = expectRoundTrip(Kafka.MskEvent, fixture("msk.json"))
    const [record] = Kafka.allRecords(msk)
    expect(record && Kafka.valueText(record)).toBe("Hello, this is a test.")
    expect(record && Kafka.headersText(record)).toStrictEqual({ headerKey: "headerValue" })
    const self = expectRoundTrip(Kafka.SelfManagedKafkaEvent, fixture("self-managed-kafka.json"))
    const tombstone = Kafka.allRecords(self)[1]
    expect(tombstone && Kafka.valueText(tombstone)).toBeNull()
    expect(tombstone?.timestampType).toBe("LOG_APPEND_TIME")
  })

  it("the union takes either kind", () => {
    expect(Schema.decodeUnknownSync(Kafka.KafkaEvent)(fixture("msk.json")).eventSource).toBe("aws:kafka")
    expect(Schema.decodeUnknownSync(Kafka.KafkaEvent)(fixture("self-managed-kafka.json")).eventSource).toBe(
      "SelfManagedKafka"
    )
  })

  it("rejects wrong payloads", () => {
    const noArn = mutable("msk.json")
    delete noArn.eventSourceArn
    expectParseError(Kafka.MskEvent, noArn)
    const stringHeader = mutable("msk.json")
    stringHeader.records["mytopic-0"][0].headers[0].headerKey = "aGVhZGVyVmFsdWU="
    expectParseError(Kafka.KafkaEvent, stringHeader)
    const badType = mutable("msk.json")
    badType.records["mytopic-0"][0].timestampType = "SOMETIME"
    expectParseError(Kafka.KafkaEvent, badType)
  })
})
