/** @internal */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as yazl from "yazl"
import { PackageFailed } from "../CliError.js"

/**
 * One file of a zip: its name inside the archive, its content (a file on disk or bytes) and its
 * Unix mode. Lambda keeps the Unix mode of zip entries, so `bootstrap` and `node` must be 0755
 * inside the archive whatever their mode on disk.
 *
 * @internal
 */
export interface ZipEntry {
  readonly name: string
  readonly source: { readonly file: string } | { readonly content: string | Uint8Array }
  readonly mode: number
}

// A fixed timestamp makes two builds of the same inputs byte-identical (1980 is the DOS epoch).
const MTIME = new Date("1980-01-01T00:00:00Z")

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Writes `entries` to `outFile` and resolves to its size in bytes.
 *
 * @internal
 */
export const writeZip = (
  outFile: string,
  entries: ReadonlyArray<ZipEntry>
): Effect.Effect<number, PackageFailed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const zip = yield* Effect.try({
      try: () => {
        const zip = new yazl.ZipFile()
        for (const entry of entries) {
          const options = { mode: 0o100000 | entry.mode, mtime: MTIME, compress: true, forceDosTimestamp: true }
          if ("file" in entry.source) zip.addFile(entry.source.file, entry.name, options)
          else zip.addBuffer(Buffer.from(entry.source.content), entry.name, options)
        }
        zip.end()
        return zip
      },
      catch: (error) => new PackageFailed({ path: outFile, reason: reason(error) })
    })
    yield* NodeStream.fromReadable<PackageFailed>(
      () => zip.outputStream,
      (error) => new PackageFailed({ path: outFile, reason: reason(error) })
    ).pipe(
      Stream.run(fs.sink(outFile)),
      Effect.catchTag("BadArgument", "SystemError", (error) =>
        new PackageFailed({ path: outFile, reason: error.message }))
    )
    const info = yield* fs.stat(outFile).pipe(
      Effect.mapError((error) =>
        new PackageFailed({ path: outFile, reason: error.message })
      )
    )
    return Number(info.size)
  })
