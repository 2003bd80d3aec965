// Type-checks every JSDoc `@example` of packages/*/src and examples/*/src: each ```ts block becomes
// an in-memory module placed in its package's folder (so `@effect-lambda/<pkg>` resolves to the
// package itself and `effect` to its own dependency, as a user's file would), compiled with the
// workspace's tsconfig.base.json. Errors point at the line in the source file's comment.
// (`@effect/docgen` does this too, but also demands a `@since` on every export and a config per
// package; this is the part we need.)
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"

const root = path.resolve(import.meta.dirname, "..")

const sourceFiles = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : []
  })

const packageDirs = ["packages", "examples"].flatMap((group) =>
  fs.readdirSync(path.join(root, group)).map((name) => path.join(root, group, name))
    .filter((dir) => fs.existsSync(path.join(dir, "src")))
)

/** Every ```ts block that follows an `@example` tag in a JSDoc comment, with its first line. */
const extract = (file) => {
  const text = fs.readFileSync(file, "utf8")
  const found = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0].split("\n").map((line) => line.replace(/^\s*\*? ?/, ""))
    const firstLine = text.slice(0, comment.index).split("\n").length
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("@example")) continue
      const open = lines.findIndex((line, j) => j > i && /^```(ts|typescript)\s*$/.test(line))
      if (open === -1) continue
      const close = lines.findIndex((line, j) => j > open && line.startsWith("```"))
      if (close === -1) continue
      found.push({ code: lines.slice(open + 1, close).join("\n"), line: firstLine + open + 1 })
      i = close
    }
  }
  return found
}

const examples = new Map() // virtual path -> { code, file, line }
for (const dir of packageDirs) {
  for (const file of sourceFiles(path.join(dir, "src"))) {
    extract(file).forEach(({ code, line }, n) => {
      const name = path.relative(path.join(dir, "src"), file).replace(/[\\/]/g, "_").replace(/\.ts$/, "")
      examples.set(path.join(dir, ".examples", `${name}.${n}.ts`), { code, file, line })
    })
  }
}

const base = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.base.json"), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
  }
})
const options = {
  ...base.options,
  // an example shows one call: the values it declares need not be used
  noUnusedLocals: false,
  noEmit: true,
  composite: false,
  incremental: false,
  declaration: false,
  declarationMap: false,
  sourceMap: false
}
const host = ts.createCompilerHost(options)
const { fileExists, readFile, getSourceFile } = host
host.fileExists = (name) => examples.has(name) || fileExists(name)
host.readFile = (name) => examples.get(name)?.code ?? readFile(name)
host.getSourceFile = (name, languageVersion, ...rest) => {
  const example = examples.get(name)
  return example !== undefined
    ? ts.createSourceFile(name, example.code, languageVersion, true)
    : getSourceFile(name, languageVersion, ...rest)
}

const program = ts.createProgram([...examples.keys()], options, host)
let failures = 0
for (const [name, { file, line }] of examples) {
  const sourceFile = program.getSourceFile(name)
  const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]
  for (const diagnostic of diagnostics) {
    failures++
    const at = diagnostic.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")
    console.error(`${path.relative(root, file)}:${line + at}: @example: TS${diagnostic.code}: ${message}`)
  }
}
if (failures > 0) {
  console.error(`check-examples: ${failures} error(s) in ${examples.size} @example blocks`)
  process.exit(1)
}
console.log(`check-examples: ${examples.size} @example blocks type-check`)
