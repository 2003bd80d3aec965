/**
 * The streaming function: NDJSON rows produced by an Effect `Stream`, sent through a Function
 * URL (`InvokeMode: RESPONSE_STREAM`) as they are produced.
 *
 * Query string: `rows` (default 10, at most 1,000,000), `delayMs` between rows (default 0, at
 * most 10,000), `failAt` (a row number that fails, to see an error after the first bytes).
 */
import { FunctionUrl } from "@effect-lambda/events"
import { HttpResponseStream } from "@effect-lambda/runtime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/** A row that could not be produced: the stream fails after the rows before it went out. */
export class RowFailed extends Schema.TaggedError<RowFailed>()("RowFailed", { row: Schema.Int }) {
  get message(): string {
    return `row ${this.row} failed`
  }
}

/** One NDJSON line. */
export interface Row {
  readonly id: number
  readonly square: number
}

const Int = (min: number, max: number) => Schema.NumberFromString.pipe(Schema.int(), Schema.between(min, max))

/** The query string the function understands; anything else is a 400. */
export const Query = Schema.Struct({
  rows: Schema.optionalWith(Int(0, 1_000_000), { default: () => 10 }),
  delayMs: Schema.optionalWith(Int(0, 10_000), { default: () => 0 }),
  failAt: Schema.optional(Int(1, 1_000_000))
})

/** The rows `1..count` as NDJSON lines; `failAt` makes that row fail. */
export const rows = (query: typeof Query.Type): Stream.Stream<string, RowFailed> => {
  const { failAt } = query
  // Plain `map` keeps the range's chunks (thousands of rows per write); a per-row effect would
  // send every row as its own piece.
  const lines = Stream.range(1, query.rows).pipe(
    Stream.take(query.rows),
    Stream.takeWhile((id) => id !== failAt),
    Stream.map((id) => JSON.stringify({ id, square: id * id } satisfies Row) + "\n")
  )
  const all = failAt !== undefined && failAt <= query.rows
    ? Stream.concat(lines, Stream.fail(new RowFailed({ row: failAt })))
    : lines
  return query.delayMs > 0 ? all.pipe(Stream.schedule(Schedule.spaced(Duration.millis(query.delayMs)))) : all
}

export const handler = HttpResponseStream.handler({
  event: FunctionUrl.FunctionUrlEvent,
  handle: (event) =>
    Effect.sync(() => {
      const query = Schema.decodeUnknownEither(Query)(event.queryStringParameters ?? {}, { onExcessProperty: "ignore" })
      if (Either.isLeft(query)) {
        return {
          statusCode: 400,
          headers: { "content-type": "text/plain; charset=utf-8" },
          body: Stream.make(`bad query: ${query.left.message}\n`)
        }
      }
      return {
        statusCode: 200,
        headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" },
        body: rows(query.right)
      }
    })
})
