/** @internal */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
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

/**
 * Writes `entries` to `outFile` and resolves to its size in bytes.
 *
 * @internal
 */
export const writeZip = (outFile: string, entries: ReadonlyArray<ZipEntry>): Effect.Effect<number, PackageFailed> =>
  Effect.async<number, PackageFailed>((resume) => {
    const fail = (error: unknown) =>
      resume(Effect.fail(new PackageFailed({ path: outFile, reason: error instanceof Error ? error.message : String(error) })))
    const zip = new yazl.ZipFile()
    const out = fs.createWriteStream(outFile)
    out.once("error", fail)
    out.once("close", () => resume(Effect.sync(() => fs.statSync(outFile).size)))
    zip.outputStream.once("error", fail)
    zip.outputStream.pipe(out)
    try {
      for (const entry of entries) {
        const options = { mode: 0o100000 | entry.mode, mtime: MTIME, compress: true, forceDosTimestamp: true }
        if ("file" in entry.source) zip.addFile(entry.source.file, entry.name, options)
        else zip.addBuffer(Buffer.from(entry.source.content), entry.name, options)
      }
      zip.end()
    } catch (error) {
      out.destroy()
      fail(error)
    }
  })
