/**
 * Building blocks shared by several event modules.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Each own key's value through `parse`, into a new object. */
const entries = (
  input: unknown,
  parse: (u: unknown, options?: AST.ParseOptions) => Either.Either<unknown, ParseResult.ParseIssue>,
  options: AST.ParseOptions,
  ast: AST.Declaration
): Either.Either<Record<string, unknown>, ParseResult.ParseIssue> => {
  if (!isPlainObject(input)) return Either.left(new ParseResult.Type(ast, input))
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(input)) {
    const parsed = parse(input[key], options)
    if (Either.isLeft(parsed)) return Either.left(new ParseResult.Pointer(key, input, parsed.left))
    // A `__proto__` key (an HTTP header, a query parameter, a JSON key an invoker chose) stays
    // an own key, as JSON.parse makes it, instead of replacing the object's prototype through
    // the `__proto__` setter, which is what `Schema.Record` does (effect 3.x assigns each key
    // onto a `{}`).
    if (key === "__proto__") {
      Object.defineProperty(out, key, { value: parsed.right, enumerable: true, writable: true, configurable: true })
    } else {
      out[key] = parsed.right
    }
  }
  return Either.right(out)
}

/**
 * `Schema.Record({ key: Schema.String, value })` for JSON objects whose keys come from outside
 * (headers, query strings, attributes): no key can change the decoded object's prototype, so
 * none can make fields appear through it.
 *
 * @internal
 */
export const SafeRecord = <Value extends Schema.Schema.AnyNoContext>(value: Value): Schema.Schema<
  { readonly [x: string]: Schema.Schema.Type<Value> },
  { readonly [x: string]: Schema.Schema.Encoded<Value> }
> =>
  Schema.declare([value], {
    decode: (item) => {
      const parse = ParseResult.decodeUnknownEither(item)
      return (input, options, ast) => entries(input, parse, options, ast)
    },
    encode: (item) => {
      const parse = ParseResult.encodeUnknownEither(item)
      return (input, options, ast) => entries(input, parse, options, ast)
    }
  }, { description: "a JSON object" }) as any

/**
 * A JSON object of string values (headers, query strings, path parameters).
 *
 * @internal
 */
export const StringMap = SafeRecord(Schema.String)

/**
 * A JSON object of string lists (multi-value headers and query strings).
 *
 * @internal
 */
export const StringListMap = SafeRecord(Schema.Array(Schema.String))

/**
 * A JSON object whose values we do not interpret (authorizer context, JWT claims).
 *
 * @internal
 */
export const UnknownMap = SafeRecord(Schema.Unknown)

/**
 * A key AWS may leave out or set to `null`. Both are kept as they came so that
 * encoding a decoded event gives back the same JSON.
 *
 * @internal
 */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * One failed record in a partial batch response. SQS identifies it by
 * `messageId`, Kinesis and DynamoDB Streams by `SequenceNumber`.
 *
 * @internal
 */
export const BatchItemFailure = Schema.Struct({ itemIdentifier: Schema.String })

/**
 * The partial batch response shared by SQS, Kinesis and DynamoDB Streams.
 *
 * @internal
 */
export const BatchResponse = Schema.Struct({ batchItemFailures: Schema.Array(BatchItemFailure) })
