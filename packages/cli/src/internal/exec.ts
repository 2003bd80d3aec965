/**
 * Running a short-lived program to completion through `@effect/platform`'s `Command`.
 *
 * @internal
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as PlatformError from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/** @internal */
export interface Completed {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

const collect = (stream: Stream.Stream<Uint8Array, PlatformError.PlatformError>) =>
  stream.pipe(Stream.decodeText(), Stream.mkString)

/**
 * Runs `command` with an ended stdin and collects its output. The process runs in its own
 * process group, which is signalled if the effect is interrupted before the program exits.
 *
 * @internal
 */
export const exec = (
  command: Command.Command
): Effect.Effect<Completed, PlatformError.PlatformError, CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const child = yield* Command.start(Command.stdin(command, Stream.empty))
    const [stdout, stderr, exitCode] = yield* Effect.all(
      [collect(child.stdout), collect(child.stderr), child.exitCode],
      { concurrency: "unbounded" }
    )
    return { exitCode, stdout, stderr }
  }).pipe(Effect.scoped)

/**
 * The environment of this process without the `npm_*` variables of a surrounding `npm run` or
 * `pnpm run`, which would change how a nested npm behaves.
 *
 * @internal
 */
export const envWithoutNpm = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^npm_/i.test(k)) env[k] = v
  }
  return env
}
