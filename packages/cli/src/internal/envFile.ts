/**
 * `--env-file`: environment variables for the function from a dotenv file (`KEY=VALUE` lines,
 * `#` comments, quoted and multi-line values), as cargo-lambda and `docker run --env-file` take.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as dotenv from "dotenv"
import * as Effect from "effect/Effect"
import { InvalidConfigFile } from "../CliError.js"

/**
 * The variables of `file`; a missing or unreadable file is an error (it was asked for).
 *
 * @internal
 */
export const read = (file: string): Effect.Effect<Record<string, string>, InvalidConfigFile, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) =>
        new InvalidConfigFile({
          path: file,
          reason: error._tag === "SystemError" && error.reason === "NotFound" ? "no such file" : error.message
        })
      )
    )
    return dotenv.parse(text)
  })
