/**
 * Running the records of a batch and collecting which ones failed.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

const logFailure = (label: string, id: string, cause: Cause.Cause<unknown>) =>
  Effect.logWarning(`${label} ${id} failed`, cause).pipe(Effect.annotateLogs("recordId", id))

/**
 * Runs every record, at most `concurrency` at a time; returns the indexes of the failed ones,
 * in record order. A failure or defect of one record never stops the others.
 *
 * @internal
 */
export const allSettled = <Rec, E, R>(
  records: ReadonlyArray<Rec>,
  run: (record: Rec) => Effect.Effect<unknown, E, R>,
  idOf: (record: Rec) => string,
  label: string,
  concurrency: number | "unbounded"
): Effect.Effect<ReadonlyArray<number>, never, R> =>
  Effect.map(
    Effect.forEach(
      records,
      (record, index) =>
        Effect.flatMap(Effect.exit(Effect.suspend(() => run(record))), (exit) =>
          Exit.isSuccess(exit)
            ? Effect.succeed(-1)
            : Effect.as(logFailure(label, idOf(record), exit.cause), index)),
      { concurrency }
    ),
    (indexes) => indexes.filter((index) => index >= 0)
  )

/**
 * Runs the records one after the other and stops at the first failure; returns its index, or
 * -1 when all succeeded. Later records are not run: ordered sources (FIFO queues, stream shards)
 * retry from the failed record, so running them now would process them out of order.
 *
 * @internal
 */
export const untilFirstFailure = <Rec, E, R>(
  records: ReadonlyArray<Rec>,
  run: (record: Rec) => Effect.Effect<unknown, E, R>,
  idOf: (record: Rec) => string,
  label: string
): Effect.Effect<number, never, R> => {
  const step = (index: number): Effect.Effect<number, never, R> =>
    index >= records.length
      ? Effect.succeed(-1)
      : Effect.flatMap(Effect.exit(Effect.suspend(() => run(records[index]!))), (exit) =>
        Exit.isSuccess(exit)
          ? step(index + 1)
          : Effect.as(logFailure(label, idOf(records[index]!), exit.cause), index))
  return Effect.suspend(() => step(0))
}
