import { expect } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"

/** Reads `test/fixtures/<name>` as parsed JSON. */
export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"))

/** A deep copy of a fixture as a plain mutable object, to derive wrong payloads from. */
export const mutable = (name: string): any => fixture(name)

/**
 * Decodes `input` and encodes the result back; both must succeed and the
 * encoded value must equal the input exactly (no key added, lost or turned
 * into `undefined`). Returns the decoded value for further checks.
 */
export const expectRoundTrip = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => {
  const decoded = Schema.decodeUnknownSync(schema)(input)
  const encoded = Schema.encodeSync(schema)(decoded)
  expect(encoded).toStrictEqual(input)
  return decoded
}

/** Decoding `input` must fail with a `ParseError`; returns its message. */
export const expectParseError = <A, I>(schema: Schema.Schema<A, I>, input: unknown): string => {
  const result = Schema.decodeUnknownEither(schema)(input)
  if (Either.isRight(result)) {
    throw new Error(`expected a ParseError, decoded to ${JSON.stringify(result.right)}`)
  }
  expect(ParseResult.isParseError(result.left)).toBe(true)
  return result.left.message
}
