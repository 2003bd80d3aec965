/**
 * Which handler runs: the function's one handler, or the one `_HANDLER` names among several.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Handler from "../Handler.js"
import { NoSuchHandler } from "../HandlerError.js"

/**
 * Any handler, as the loop runs it: its event, result, error and services are no concern of
 * the loop (the services are provided before it starts).
 *
 * @internal
 */
export type AnyHandler = Handler.Handler<unknown, unknown, unknown, unknown>

/**
 * One handler, or several by name.
 *
 * @internal
 */
export type Table = AnyHandler | Readonly<Record<string, AnyHandler>>

/**
 * Picks the handler `_HANDLER` (`file.name` or `name`) names; with one handler, or one in the
 * table and `_HANDLER` unset, that one.
 *
 * @internal
 */
export const select = (handlers: Table, name: string): Either.Either<AnyHandler, NoSuchHandler> => {
  if (Handler.isHandler(handlers)) return Either.right(handlers)
  const table: Readonly<Record<string, AnyHandler>> = handlers
  const available = Object.keys(table)
  if (name === "" && available.length === 1) return Either.right(table[available[0]!]!)
  const candidates = [name, name.slice(name.lastIndexOf(".") + 1)]
  for (const candidate of candidates) {
    const found: unknown = Object.hasOwn(table, candidate) ? table[candidate] : undefined
    if (Handler.isHandler(found)) return Either.right(found)
  }
  return Either.left(
    new NoSuchHandler({
      handler: name,
      available,
      message: name === ""
        ? `_HANDLER is not set and the function has ${available.length} handlers: ${available.join(", ")}`
        : `no handler named ${JSON.stringify(name)}; the function has: ${available.join(", ")}`
    })
  )
}
