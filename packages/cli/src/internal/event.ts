/** @internal */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { text } from "node:stream/consumers"
import { ConflictingEventOptions, EventUnreadable, InvalidEvent } from "../CliError.js"

/** @internal */
export interface EventSource {
  readonly event: Option.Option<string>
  readonly eventFile: Option.Option<string>
}

const readStdin: Effect.Effect<string, EventUnreadable> = Effect.tryPromise({
  try: () => text(process.stdin),
  catch: (error) => new EventUnreadable({ source: "stdin", reason: error instanceof Error ? error.message : String(error) })
})

// The event is sent as given (bytes are not re-serialised) but must be JSON, because the
// Invoke API only carries JSON and a typo is better caught here than as a function error.
const validate = (json: string, source: string): Effect.Effect<string, InvalidEvent> =>
  Effect.try({
    try: () => {
      JSON.parse(json)
      return json
    },
    catch: (error) => new InvalidEvent({ source, reason: error instanceof Error ? error.message : String(error) })
  })

/**
 * The event for `invoke`: `--event`, else `--event-file` (`-` is stdin), else stdin when it is
 * not a terminal, else `{}`. Empty stdin also means `{}`, so `invoke dir < /dev/null` works.
 *
 * @internal
 */
export const readEvent = (
  source: EventSource
): Effect.Effect<string, InvalidEvent | EventUnreadable | ConflictingEventOptions, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (Option.isSome(source.event) && Option.isSome(source.eventFile)) return yield* new ConflictingEventOptions()
    if (Option.isSome(source.event)) return yield* validate(source.event.value, "--event")
    if (Option.isSome(source.eventFile)) {
      const file = source.eventFile.value
      if (file === "-") return yield* readStdin.pipe(Effect.flatMap((s) => validate(s, "stdin")))
      const fs = yield* FileSystem.FileSystem
      const content = yield* fs.readFileString(file).pipe(
        Effect.mapError((error) =>
          new EventUnreadable({
            source: file,
            reason: error._tag === "SystemError" && error.reason === "NotFound" ? "no such file" : error.message
          })
        )
      )
      return yield* validate(content, file)
    }
    if (process.stdin.isTTY === true) return "{}"
    const input = yield* readStdin
    return input.trim() === "" ? "{}" : yield* validate(input, "stdin")
  })
