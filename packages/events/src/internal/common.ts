/**
 * Building blocks shared by several event modules.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/**
 * A JSON object of string values (headers, query strings, path parameters).
 *
 * @internal
 */
export const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * A JSON object of string lists (multi-value headers and query strings).
 *
 * @internal
 */
export const StringListMap = Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })

/**
 * A JSON object whose values we do not interpret (authorizer context, JWT claims).
 *
 * @internal
 */
export const UnknownMap = Schema.Record({ key: Schema.String, value: Schema.Unknown })

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
