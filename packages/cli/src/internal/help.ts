/**
 * `--help` of `effect-lambda` and its commands, rendered from the commands' own help documents.
 *
 * Why not @effect/cli's built-in help: it names a subcommand without its parent (`$ invoke …`
 * rather than `effect-lambda invoke …`) and opens every argument's description with its type's
 * generic sentence ("A user-defined piece of text."), which says nothing the usage line does not.
 *
 * @internal
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as Options from "@effect/cli/Options"
import * as Usage from "@effect/cli/Usage"
import * as Arr from "effect/Array"
import * as Option from "effect/Option"

/**
 * How the commands are parsed and shown: @effect/cli's built-in options (`--wizard`,
 * `--completions`, `--log-level`) are not listed in every command's help.
 *
 * @internal
 */
export const config: CliConfig.CliConfig = CliConfig.make({ showBuiltIns: false })

const HELP_FLAGS = ["--help", "-h"]

// The leftmost paragraph of a definition's block is its type's generic sentence.
const dropTypeSentence = (block: HelpDoc.HelpDoc): HelpDoc.HelpDoc => {
  if (HelpDoc.isParagraph(block)) return HelpDoc.empty
  if (HelpDoc.isSequence(block)) return HelpDoc.sequence(dropTypeSentence(block.left), block.right)
  return block
}

const withoutTypeSentences = (doc: HelpDoc.HelpDoc): HelpDoc.HelpDoc => {
  if (HelpDoc.isDescriptionList(doc)) {
    return HelpDoc.descriptionList(
      Arr.map(doc.definitions, ([span, block]) => [span, dropTypeSentence(block)] as [Span.Span, HelpDoc.HelpDoc])
    )
  }
  if (HelpDoc.isSequence(doc)) return HelpDoc.sequence(withoutTypeSentences(doc.left), withoutTypeSentences(doc.right))
  return doc
}

const usageLines = (prefix: string, usage: Usage.Usage): HelpDoc.HelpDoc =>
  HelpDoc.blocks(
    Arr.map(Usage.enumerate(usage, config), (span) => HelpDoc.p(Span.concat(Span.text(`${prefix} `), span)))
  )

/**
 * The help of one subcommand, named with the program's name: usage, description, arguments,
 * options.
 *
 * @internal
 */
export const commandHelp = <Name extends string, R, E, A>(
  program: string,
  command: Command.Command<Name, R, E, A>
): HelpDoc.HelpDoc =>
  HelpDoc.blocks([
    HelpDoc.h1("USAGE"),
    usageLines(program, Command.getUsage(command)),
    withoutTypeSentences(Command.getHelp(command, config))
  ])

/**
 * The help of the program: one line per command, then how to get a command's help.
 *
 * @internal
 */
export const programHelp = (
  program: string,
  description: string,
  commands: Arr.NonEmptyReadonlyArray<{ readonly name: string; readonly summary: HelpDoc.HelpDoc }>
): HelpDoc.HelpDoc =>
  HelpDoc.blocks([
    HelpDoc.p(description),
    HelpDoc.h1("USAGE"),
    HelpDoc.p(`${program} <command> [options]`),
    HelpDoc.h1("COMMANDS"),
    HelpDoc.descriptionList(
      Arr.map(commands, (c) => [Span.text(`${program} ${c.name}`), c.summary] as [Span.Span, HelpDoc.HelpDoc])
    ),
    HelpDoc.h1("OPTIONS"),
    HelpDoc.descriptionList([
      [
        Span.text("-h, --help"),
        HelpDoc.p(`Show this help; \`${program} <command> --help\` shows a command's arguments and options`)
      ],
      [Span.text("--version"), HelpDoc.p("Show the version of effect-lambda")]
    ])
  ])

/**
 * What a command line asks for help about: the program (`--help`, or nothing at all), one of
 * `commands` (`<command> … --help`), or none (the command line is run).
 *
 * @internal
 */
export const helpRequest = (
  args: ReadonlyArray<string>,
  commands: ReadonlyArray<string>
): { readonly _tag: "Program" } | { readonly _tag: "Command"; readonly name: string } | undefined => {
  if (args.length === 0 || (args.length === 1 && HELP_FLAGS.includes(args[0]!))) return { _tag: "Program" }
  const [first, ...rest] = args
  if (commands.includes(first!) && rest.some((a) => HELP_FLAGS.includes(a))) return { _tag: "Command", name: first! }
  return undefined
}

/**
 * The description a command was given (`Command.withDescription`): the first paragraph of its
 * help, which @effect/cli opens with the DESCRIPTION section.
 *
 * @internal
 */
export const summary = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>): HelpDoc.HelpDoc => {
  const first = (doc: HelpDoc.HelpDoc): HelpDoc.HelpDoc | undefined => {
    if (HelpDoc.isParagraph(doc)) return doc
    if (HelpDoc.isSequence(doc)) return first(doc.left) ?? first(doc.right)
    return undefined
  }
  return first(Command.getHelp(command, config)) ?? HelpDoc.empty
}

/**
 * For an `Options.repeated` option: shown as optional in the usage line (`[--env text]...`),
 * as it is (zero occurrences are fine), and still an array.
 *
 * @internal
 */
export const optionalRepeated = <A>(self: Options.Options<Array<A>>): Options.Options<Array<A>> =>
  self.pipe(Options.optional, Options.map(Option.getOrElse((): Array<A> => [])))
