import { describe, expect, it } from "@effect/vitest"
import { isBinary, splitHttpStream } from "../src/internal/payload.js"

const bytes = (...parts: ReadonlyArray<string | Uint8Array>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))))

describe("payload", () => {
  it("splits a streamed HTTP response at the eight NULs after its JSON prelude", () => {
    const split = splitHttpStream(bytes("{\"statusCode\":200}", new Uint8Array(8), "body\u0000with nul"))
    expect(split?.prelude).toBe("{\"statusCode\":200}")
    expect(Buffer.from(split!.body).toString()).toBe("body\u0000with nul")
  })

  it("leaves JSON payloads and other bytes alone", () => {
    expect(splitHttpStream(bytes("{\"a\":1}"))).toBeUndefined()
    expect(splitHttpStream(bytes("not json", new Uint8Array(8), "x"))).toBeUndefined()
    expect(splitHttpStream(bytes("[1]", new Uint8Array(8), "x"))).toBeUndefined()
    expect(splitHttpStream(bytes("{\"a\":1}", new Uint8Array(7), "x"))).toBeUndefined()
  })

  it("isBinary: control bytes other than whitespace and ESC", () => {
    expect(isBinary(bytes("text\n\ttabs\r\n\u001b[1mbold"))).toBe(false)
    expect(isBinary(bytes("a\u0000b"))).toBe(true)
  })
})
