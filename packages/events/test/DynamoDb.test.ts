import { describe, expect, it } from "@effect/vitest"
import { DynamoDb } from "../src/index.js"
import { expectParseError, expectRoundTrip, fixture, mutable } from "./utils.js"

describe("DynamoDb", () => {
  it("round-trips INSERT, MODIFY, TTL REMOVE and KEYS_ONLY records with every attribute type", () => {
    const event = expectRoundTrip(DynamoDb.DynamoDbStreamEvent, fixture("dynamodb-stream.json"))
    const [insert, modify, remove, keysOnly] = event.Records
    expect(insert?.eventName).toBe("INSERT")
    expect("OldImage" in insert!.dynamodb).toBe(false)
    expect(insert?.dynamodb.NewImage?.lines).toStrictEqual({
      L: [{ M: { sku: { S: "BOOK-42" }, qty: { N: "2" } } }, { M: { sku: { S: "MUG-7" }, qty: { N: "1" } } }]
    })
    expect(modify?.dynamodb.OldImage?.paid).toStrictEqual({ BOOL: false })
    expect(remove?.userIdentity).toStrictEqual({ type: "Service", principalId: "dynamodb.amazonaws.com" })
    expect("NewImage" in remove!.dynamodb).toBe(false)
    expect(keysOnly?.dynamodb.StreamViewType).toBe("KEYS_ONLY")
    expect("ApproximateCreationDateTime" in keysOnly!.dynamodb).toBe(false)
  })

  it("rejects wrong payloads", () => {
    const numberAsNumber = mutable("dynamodb-stream.json")
    numberAsNumber.Records[0].dynamodb.NewImage.total = { N: 42.5 }
    expectParseError(DynamoDb.DynamoDbStreamEvent, numberAsNumber)

    const unknownType = mutable("dynamodb-stream.json")
    unknownType.Records[0].dynamodb.Keys.pk = { STRING: "ORDER#o-1842" }
    expectParseError(DynamoDb.DynamoDbStreamEvent, unknownType)

    const badNested = mutable("dynamodb-stream.json")
    badNested.Records[0].dynamodb.NewImage.address.M.geo.L[1] = 4.83
    expectParseError(DynamoDb.DynamoDbStreamEvent, badNested)

    const badEventName = mutable("dynamodb-stream.json")
    badEventName.Records[1].eventName = "UPDATE"
    expectParseError(DynamoDb.DynamoDbStreamEvent, badEventName)

    expectParseError(DynamoDb.AttributeValue, { NULL: false })
  })

  it("round-trips partial batch responses", () => {
    expectRoundTrip(DynamoDb.StreamsEventResponse, fixture("dynamodb-batch-response.json"))
    expectRoundTrip(DynamoDb.StreamsEventResponse, fixture("batch-response-empty.json"))
    expectParseError(DynamoDb.StreamsEventResponse, { batchItemFailures: [{ itemIdentifier: null }] })
  })
})
