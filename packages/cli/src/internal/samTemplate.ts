/**
 * Defaults from an AWS SAM `template.yaml` beside the function, as `sam local` takes them: the
 * function's `Environment.Variables`, `Timeout`, `MemorySize` and `Handler`, over the
 * template's `Globals.Function`.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as YAML from "yaml"
import { InvalidConfigFile } from "../CliError.js"

/** @internal */
export interface TemplateDefaults {
  /** The file, as shown in messages. */
  readonly file: string
  /** The function's logical id in `Resources`. */
  readonly functionId: string
  readonly env: Readonly<Record<string, string>>
  readonly timeoutSeconds: number | undefined
  readonly memorySizeMb: number | undefined
  readonly handler: string | undefined
  /** Environment variables left out: their value is an intrinsic function (`!Ref`, `!Sub`, ...). */
  readonly unresolved: ReadonlyArray<string>
}

/** SAM's default template names, in the order `sam` looks for them. */
const NAMES = ["template.yaml", "template.yml"]

const FUNCTION_TYPES = ["AWS::Serverless::Function", "AWS::Lambda::Function"]

/** A value computed by CloudFormation at deploy time: unknown locally. */
const Intrinsic = Symbol("Intrinsic")

// YAML's short forms (`!Ref X`) carry a tag; the long forms are maps `{ Ref: X }`, `{ "Fn::Sub": ... }`.
const toValue = (node: unknown, doc: YAML.Document): unknown => {
  if (YAML.isAlias(node)) return toValue(node.resolve(doc), doc)
  if ((YAML.isScalar(node) || YAML.isCollection(node)) && node.tag?.startsWith("!") === true) return Intrinsic
  if (YAML.isScalar(node)) return node.value
  if (YAML.isSeq(node)) return node.items.map((item) => toValue(item, doc))
  if (YAML.isMap(node)) {
    const out: Record<string, unknown> = {}
    for (const pair of node.items) out[String(toValue(pair.key, doc))] = toValue(pair.value, doc)
    const keys = Object.keys(out)
    if (keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"))) return Intrinsic
    return out
  }
  return null
}

const record = (u: unknown): Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) ? (u as Record<string, unknown>) : {}

const number = (file: string, name: string, u: unknown, min: number, max: number) => {
  if (u === undefined || u === Intrinsic) return Effect.succeed(undefined)
  const n = typeof u === "string" && u.trim() !== "" ? Number(u) : u
  return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max
    ? Effect.succeed(n)
    : Effect.fail(
      new InvalidConfigFile({
        path: file,
        reason: `${name} must be a whole number ${min}..${max}, got ${JSON.stringify(u)}`
      })
    )
}

/**
 * The defaults of the function in the template beside `absDir`, if there is one. With several
 * functions, the one whose `CodeUri` is the function directory (or `.`) wins, else the first.
 *
 * @internal
 */
export const read = (
  absDir: string,
  shownDir: string
): Effect.Effect<Option.Option<TemplateDefaults>, InvalidConfigFile, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    let found: { name: string; text: string } | undefined
    for (const name of NAMES) {
      const text = yield* fs.readFileString(path.join(absDir, name)).pipe(Effect.option)
      if (Option.isSome(text)) {
        found = { name, text: text.value }
        break
      }
    }
    if (found === undefined) return Option.none()
    const file = path.join(shownDir, found.name)
    const doc = YAML.parseDocument(found.text, { logLevel: "silent", uniqueKeys: false })
    if (doc.errors.length > 0) {
      return yield* new InvalidConfigFile({ path: file, reason: doc.errors[0]!.message.split("\n")[0]! })
    }
    const template = record(toValue(doc.contents, doc))
    const functions = Object.entries(record(template.Resources)).filter(([, resource]) =>
      FUNCTION_TYPES.includes(String(record(resource).Type))
    )
    if (functions.length === 0) return Option.none()
    const inDir = functions.find(([, resource]) => {
      const codeUri = record(resource).Properties === undefined
        ? undefined
        : record(record(resource).Properties).CodeUri
      return typeof codeUri === "string" && path.resolve(absDir, codeUri) === absDir
    })
    const [functionId, resource] = inDir ?? functions[0]!
    const serverless = record(resource).Type === "AWS::Serverless::Function"
    const globals = serverless ? record(record(template.Globals).Function) : {}
    const properties = record(record(resource).Properties)
    const pick = (key: string) => (properties[key] !== undefined ? properties[key] : globals[key])

    const env: Record<string, string> = {}
    const unresolved: Array<string> = []
    const variables = {
      ...record(record(globals.Environment).Variables),
      ...record(record(properties.Environment).Variables)
    }
    for (const [name, value] of Object.entries(variables)) {
      if (value === Intrinsic || (typeof value === "object" && value !== null)) unresolved.push(name)
      else if (value !== null && value !== undefined) env[name] = String(value)
    }
    const handler = pick("Handler")
    return Option.some(
      {
        file,
        functionId,
        env,
        timeoutSeconds: yield* number(file, "Timeout", pick("Timeout"), 1, 900),
        memorySizeMb: yield* number(file, "MemorySize", pick("MemorySize"), 128, 10240),
        handler: typeof handler === "string" ? handler : undefined,
        unresolved
      } satisfies TemplateDefaults
    )
  })
