import { describe, expect, it } from "@effect/vitest"
import { S3 } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("S3", () => {
  it("round-trips ObjectCreated records, with and without versionId", () => {
    const event = expectRoundTrip(S3.S3Event, fixture("s3-put.json"))
    const [put, multipart] = event.Records
    expect(put?.s3.object.size).toBe(1048576)
    expect(decodeURIComponent(put!.s3.object.key.replace(/\+/g, " "))).toBe("photos/2023/holiday pic(1).jpg")
    expect("versionId" in multipart!.s3.object).toBe(false)
    expect(put?.responseElements["x-amz-request-id"]).toBe("C3D13FE58DE4C810")
  })

  it("round-trips delete events, which carry no size or eTag", () => {
    const event = expectRoundTrip(S3.S3Event, fixture("s3-delete.json"))
    for (const record of event.Records) {
      expect("size" in record.s3.object).toBe(false)
      expect("eTag" in record.s3.object).toBe(false)
    }
    expect(event.Records[1]?.userIdentity.principalId).toBe("s3.amazonaws.com")
  })

  it("round-trips version 2.3 restore, lifecycle transition and intelligent-tiering data", () => {
    const event = expectRoundTrip(S3.S3Event, fixture("s3-lifecycle-and-restore.json"))
    const [restore, transition, tiering] = event.Records
    expect(restore?.glacierEventData?.restoreEventData.lifecycleRestoreStorageClass).toBe("GLACIER")
    expect(transition?.lifecycleEventData?.transitionEventData.destinationStorageClass).toBe("STANDARD_IA")
    expect(tiering?.intelligentTieringEventData?.destinationAccessTier).toBe("ARCHIVE_ACCESS")
    expect("glacierEventData" in transition!).toBe(false)
  })

  it("rejects wrong payloads", () => {
    const stringSize = mutable("s3-put.json")
    stringSize.Records[0].s3.object.size = "1048576"
    expectParseError(S3.S3Event, stringSize)

    const noBucket = mutable("s3-put.json")
    delete noBucket.Records[1].s3.bucket
    expectParseError(S3.S3Event, noBucket)

    const wrongSource = mutable("s3-delete.json")
    wrongSource.Records[0].eventSource = "aws:s3:batch"
    expectParseError(S3.S3Event, wrongSource)

    expectParseError(S3.S3Event, { Records: "none" })
  })
})
