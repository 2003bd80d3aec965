/** @internal */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { text } from "node:stream/consumers"
import { ConflictingEventOptions, EventUnreadable, InvalidEvent, UnknownDataExample } from "../CliError.js"
import { examples } from "./dataExample.js"

/** @internal */
export interface EventSource {
  readonly event: Option.Option<string>
  readonly eventFile: Option.Option<string>
  /** `--data-example`: the name of a sample event (see `dataExample.ts`). */
  readonly dataExample: Option.Option<string>
}

const readStdin: Effect.Effect<string, EventUnreadable> = Effect.tryPromise({
  try: () => text(process.stdin),
  catch: (error) =>
    new EventUnreadable({ source: "stdin", reason: error instanceof Error ? error.message : String(error) })
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
 * The event for `invoke`: `--event`, `--data-example` or `--event-file` (`-` is stdin), else stdin when it is
 * not a terminal, else `{}`. Empty stdin also means `{}`, so `invoke dir < /dev/null` works.
 *
 * @internal
 */
export const readEvent = (
  source: EventSource
): Effect.Effect<
  string,
  InvalidEvent | EventUnreadable | ConflictingEventOptions | UnknownDataExample,
  FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    const given =
      ([["--event", source.event], ["--event-file", source.eventFile], ["--data-example", source.dataExample]] as const)
        .filter(([, value]) => Option.isSome(value))
        .map(([flag]) => flag)
    if (given.length > 1) return yield* new ConflictingEventOptions({ options: given })
    if (Option.isSome(source.dataExample)) {
      const name = source.dataExample.value
      const example = Object.hasOwn(examples, name) ? examples[name] : undefined
      if (example === undefined) return yield* new UnknownDataExample({ name, known: Object.keys(examples) })
      return JSON.stringify(example.build())
    }
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
