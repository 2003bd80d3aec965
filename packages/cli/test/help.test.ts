import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Cli from "../src/Cli.js"

// Runs the command line in this process with a console that records what is printed.
const output = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const record = (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(parts.map(String).join(" ")))
    yield* Console.consoleWith((console) =>
      Console.withConsole(Cli.run(["node", "effect-lambda", ...args]), { ...console, log: record, error: record })
    )
    // eslint-disable-next-line no-control-regex
    return lines.join("\n").replace(/\u001b\[[0-9;]*m/g, "")
  }).pipe(Effect.provide(NodeContext.layer))

const commands = ["start", "invoke", "watch", "build", "new"]

// The OPTIONS and ARGUMENTS sections as { name line, description lines }.
const definitions = (text: string) => {
  const blocks: Array<{ name: string; lines: Array<string> }> = []
  let section = ""
  for (const line of text.split("\n")) {
    if (/^[A-Z]+$/.test(line)) section = line
    else if (section !== "ARGUMENTS" && section !== "OPTIONS") continue
    else if (/^\S/.test(line)) blocks.push({ name: line, lines: [] })
    else if (line.trim() !== "") blocks.at(-1)?.lines.push(line.trim())
  }
  return blocks
}

const generic = [
  "This setting is optional.",
  "This option may be repeated zero or more times."
]

describe("effect-lambda --help", () => {
  it.effect("the program's help names every command with the program's name", () =>
    Effect.gen(function*() {
      const text = yield* output(["--help"])
      for (const name of commands) expect(text).toMatch(new RegExp(`^effect-lambda ${name}$`, "m"))
      expect(text).toContain("effect-lambda <command> --help")
      // nothing at all prints the same help
      expect(yield* output([])).toBe(text)
    }))

  it.effect.each(commands)(
    "%s --help: usage names the command, every argument and option is described",
    (name) =>
      Effect.gen(function*() {
        const text = yield* output([name, "--help"])
        const usage = text.split("\n").find((l) => l.startsWith("effect-lambda "))
        expect(usage, text).toMatch(new RegExp(`^effect-lambda ${name} `))
        expect(text).not.toMatch(/^\$ /m)
        expect(text).not.toContain("A user-defined piece of text")
        expect(text).not.toContain("An integer.")
        expect(text).not.toContain("A true or false value.")
        const defs = definitions(text)
        expect(defs.length).toBeGreaterThan(0)
        for (const def of defs) {
          const described = def.lines.filter((l) => !generic.includes(l))
          expect(described, `${name}: ${def.name}`).not.toEqual([])
        }
        // Every option of the usage line has its definition.
        for (const flag of usage!.match(/--[a-z-]+/g) ?? []) {
          expect(defs.some((d) => d.name.includes(flag)), `${name}: ${flag}`).toBe(true)
        }
      })
  )

  it.effect("repeated flags are shown as optional", () =>
    Effect.gen(function*() {
      for (const name of ["start", "invoke", "watch"]) {
        const usage = (yield* output([name, "--help"])).split("\n").find((l) => l.startsWith("effect-lambda "))!
        expect(usage).toContain("[(-e, --env KEY=VALUE)...]")
        expect(usage).toContain("[--fault spec...]")
      }
    }))
})
