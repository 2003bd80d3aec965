/**
 * Env files as docker, `sam local --env-vars`' .env form and dotenv write them: `KEY=VALUE` per
 * line, `export ` allowed before the key, `#` comments, values optionally in single quotes
 * (taken as is) or double quotes (`\n`, `\"`, `\\` unescaped).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import { EnvFileInvalid } from "../EmulatorError.js"

const keyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The variables of an env file's text, or the 1-based number of its first bad line. */
export const parse = (
  text: string
): { readonly _tag: "Parsed"; readonly vars: Record<string, string> } | {
  readonly _tag: "BadLine"
  readonly line: number
} => {
  // No prototype: a variable may be called anything a shell allows, `__proto__` included.
  const out: Record<string, string> = Object.create(null)
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "" || line.startsWith("#")) continue
    const assignment = line.startsWith("export ") ? line.slice(7).trimStart() : line
    const eq = assignment.indexOf("=")
    if (eq <= 0) return { _tag: "BadLine", line: i + 1 }
    const key = assignment.slice(0, eq).trim()
    if (!keyPattern.test(key)) return { _tag: "BadLine", line: i + 1 }
    let value = assignment.slice(eq + 1).trim()
    const quote = value[0]
    if ((quote === "\"" || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1)
      if (quote === "\"") value = value.replace(/\\([n"\\])/g, (_, c: string) => (c === "n" ? "\n" : c))
    } else {
      // an unquoted value ends at a comment
      const comment = value.search(/\s#/)
      if (comment >= 0) value = value.slice(0, comment).trimEnd()
    }
    out[key] = value
  }
  return { _tag: "Parsed", vars: out }
}

export const read = (path: string): Effect.Effect<Record<string, string>, EnvFileInvalid> =>
  Effect.suspend(() => {
    let text: string
    try {
      text = Fs.readFileSync(path, "utf8")
    } catch (error) {
      return Effect.fail(new EnvFileInvalid({ path, reason: (error as NodeJS.ErrnoException).code ?? String(error) }))
    }
    const parsed = parse(text)
    return parsed._tag === "BadLine"
      ? Effect.fail(new EnvFileInvalid({ path, reason: `line ${parsed.line} is not KEY=VALUE` }))
      : Effect.succeed(parsed.vars)
  })
