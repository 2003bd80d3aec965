/**
 * Source-mapped stack traces at no cold-start cost.
 *
 * `node --enable-source-maps` reads and parses every module's map when the module loads, which
 * the cold start pays for even if no error ever happens. Here the only work at start is setting
 * `Error.prepareStackTrace`; V8 calls it the first time an error's `stack` is read, and only then
 * is the map of a frame's file read (`<file>.map`, beside it, as `esbuild --sourcemap` writes it)
 * and parsed, once per file, with Node's own `SourceMap`. Frames of files without a map keep
 * V8's text.
 *
 * @internal
 */
import type * as NodeFs from "node:fs"
import type * as NodeModule from "node:module"
import type * as NodePath from "node:path"
import type * as NodeUrl from "node:url"

type Parsed = NodeModule.SourceMap

const maps = new Map<string, { readonly map: Parsed; readonly dir: string } | null>()
let loaded = 0

/** How many source maps were read so far (tests check that nothing is read before an error). */
export const loadedMaps = (): number => loaded

const load = (fileName: string): { readonly map: Parsed; readonly dir: string } | null => {
  let entry = maps.get(fileName)
  if (entry !== undefined) return entry
  entry = null
  try {
    const fs = process.getBuiltinModule("node:fs") as typeof NodeFs
    const path = process.getBuiltinModule("node:path") as typeof NodePath
    const file = fileName.startsWith("file://")
      ? (process.getBuiltinModule("node:url") as typeof NodeUrl).fileURLToPath(fileName)
      : fileName
    const mapFile = `${file}.map`
    if (fs.existsSync(mapFile)) {
      const { SourceMap } = process.getBuiltinModule("node:module") as unknown as typeof NodeModule
      entry = { map: new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8"))), dir: path.dirname(mapFile) }
      loaded++
    }
  } catch {
    // A map that cannot be read or parsed: the frames keep their bundle positions.
  }
  maps.set(fileName, entry)
  return entry
}

const locate = (fileName: string, line: number, column: number): string | undefined => {
  const entry = load(fileName)
  if (entry === null) return undefined
  const found = entry.map.findEntry(line - 1, column - 1) as Partial<NodeModule.SourceMapping>
  if (found.originalSource === undefined || found.originalLine === undefined || found.originalColumn === undefined) {
    return undefined
  }
  const path = process.getBuiltinModule("node:path") as typeof NodePath
  const source = found.originalSource.startsWith("file://")
    ? (process.getBuiltinModule("node:url") as typeof NodeUrl).fileURLToPath(found.originalSource)
    : path.resolve(entry.dir, found.originalSource)
  return `${source}:${found.originalLine + 1}:${found.originalColumn + 1}`
}

const frame = (site: NodeJS.CallSite): string => {
  const text = site.toString()
  const fileName = site.getFileName()
  const line = site.getLineNumber()
  const column = site.getColumnNumber()
  if (fileName === undefined || fileName === null || line === null || column === null || fileName.startsWith("node:")) {
    return text
  }
  const mapped = locate(fileName, line, column)
  if (mapped === undefined) return text
  const position = `${fileName}:${line}:${column}`
  const at = text.lastIndexOf(position)
  return at === -1 ? text : text.slice(0, at) + mapped + text.slice(at + position.length)
}

const header = (error: unknown): string => {
  try {
    return Error.prototype.toString.call(error)
  } catch {
    return "<error>"
  }
}

let installed = false

/**
 * Sets `Error.prepareStackTrace` to map frames lazily. Does nothing when Node already maps them
 * (`--enable-source-maps`) or another `prepareStackTrace` is set.
 *
 * @internal
 */
export const install = (): void => {
  // Node >= 20.x exposes its own default as `Error.prepareStackTrace`: only that (or none) is replaced.
  const current = Error.prepareStackTrace
  if (installed || (current !== undefined && current.name !== "ErrorPrepareStackTrace")) return
  if (
    process.execArgv.includes("--enable-source-maps") ||
    (process.env.NODE_OPTIONS ?? "").includes("--enable-source-maps")
  ) return
  installed = true
  Error.prepareStackTrace = (error, sites) => {
    let out = header(error)
    for (const site of sites) out += `\n    at ${frame(site)}`
    return out
  }
}
