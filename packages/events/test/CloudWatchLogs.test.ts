import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { gzipSync } from "node:zlib"
import { CloudWatchLogs } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture } from "./utils.js"

describe("CloudWatchLogs", () => {
  it("decodes the documented sample's gzip+base64 data into its log events", () => {
    const event = Schema.decodeUnknownSync(CloudWatchLogs.CloudWatchLogsEvent)(fixture("cloudwatch-logs.json"))
    expect(event.awslogs.data.messageType).toBe("DATA_MESSAGE")
    expect(event.awslogs.data.logGroup).toBe("testLogGroup")
    expect(event.awslogs.data.logEvents.map((e) => e.message)).toStrictEqual([
      "[ERROR] First test message",
      "[ERROR] Second test message"
    ])
    expectRoundTrip(CloudWatchLogs.CloudWatchLogsEncodedEvent, fixture("cloudwatch-logs.json"))
  })

  it("encodes back to gzip+base64 that decodes to the same records", () => {
    const decode = Schema.decodeUnknownSync(CloudWatchLogs.CloudWatchLogsEvent)
    const event = decode(fixture("cloudwatch-logs.json"))
    const encoded = Schema.encodeSync(CloudWatchLogs.CloudWatchLogsEvent)(event)
    expect(Buffer.from(encoded.awslogs.data, "base64").subarray(0, 2)).toStrictEqual(Buffer.from([0x1f, 0x8b]))
    expect(decode(encoded)).toStrictEqual(event)
  })

  it("rejects data that is not gzip, not JSON, or not a batch", () => {
    expect(expectParseError(CloudWatchLogs.CloudWatchLogsEvent, { awslogs: { data: "bm90IGd6aXA=" } }))
      .toContain("not gzip-compressed base64")
    const notJson = gzipSync("nope").toString("base64")
    expectParseError(CloudWatchLogs.CloudWatchLogsEvent, { awslogs: { data: notJson } })
    const notBatch = gzipSync(JSON.stringify({ messageType: "DATA_MESSAGE" })).toString("base64")
    expectParseError(CloudWatchLogs.CloudWatchLogsEvent, { awslogs: { data: notBatch } })
  })
})
