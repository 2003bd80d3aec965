/** @internal */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { scaffold } from "./scaffold.js"
import { templateNames, templates } from "./templates/index.js"

/**
 * `effect-lambda new <name>`: scaffold a function folder from a template.
 *
 * @internal
 */
export const newCommand = Command.make(
  "new",
  {
    name: Args.text({ name: "name" }).pipe(
      Args.withDescription("Name of the function: its folder and package name (lower-case, digits, dashes)")
    ),
    template: Options.choice("template", templateNames).pipe(
      Options.withDescription(templateNames.map((t) => `${t}: ${templates[t].description}`).join("; ")),
      Options.withDefault("hello" as const)
    ),
    dir: Options.text("dir").pipe(
      Options.withDescription("Parent directory of the new folder (default: the current directory)"),
      Options.withDefault(".")
    )
  },
  (args) =>
    Effect.gen(function*() {
      const result = yield* scaffold({ name: args.name, template: args.template, parent: args.dir })
      const shown = path.relative(process.cwd(), result.dir) || "."
      const lines = [
        `effect-lambda: created ${shown} (template ${args.template}${
          result.workspace ? ", linked to this workspace" : ""
        })`,
        ...result.files.map((f) => `  ${f}`),
        "next:",
        `  ${result.nextSteps}`
      ]
      yield* Effect.sync(() => process.stdout.write(lines.join("\n") + "\n"))
    })
).pipe(Command.withDescription("Create a function folder from a template: handler, test, bootstrap, package.json"))
