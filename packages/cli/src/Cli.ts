/**
 * The `effect-lambda` command tree: `start`, `invoke` and `watch` a function directory
 * through the local emulator, `new` to scaffold one and `build` to package it for Lambda.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Arr from "effect/Array"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import { InvalidEnv } from "./CliError.js"
import { buildCommand } from "./internal/buildCommand.js"
import * as Commands from "./internal/commands.js"
import * as DataExample from "./internal/dataExample.js"
import * as EnvFile from "./internal/envFile.js"
import * as FaultSpec from "./internal/faultSpec.js"
import { resolveDir } from "./internal/functionDir.js"
import * as Help from "./internal/help.js"
import type { FunctionOptions } from "./internal/host.js"
import { newCommand } from "./internal/newCommand.js"
import * as SamTemplate from "./internal/samTemplate.js"
import { version } from "./internal/version.js"

const functionDir = Args.directory({ name: "function-dir", exists: "either" }).pipe(
  Args.withDescription(
    "Directory of the function: holds an executable `bootstrap` (and a package.json `build` script, if any)"
  )
)

const port = (defaultPort: number) =>
  Options.integer("port").pipe(
    Options.withAlias("p"),
    Options.withPseudoName("port"),
    Options.withDescription(`Port of the emulator on 127.0.0.1 (0 picks a free one; default ${defaultPort})`),
    Options.withDefault(defaultPort),
    Options.filterMap(
      (n) => (Number.isInteger(n) && n >= 0 && n <= 65535 ? Option.some(n) : Option.none()),
      "--port must be between 0 and 65535"
    )
  )

const timeout = Options.integer("timeout").pipe(
  Options.withAlias("t"),
  Options.withPseudoName("seconds"),
  Options.withDescription("Function timeout in seconds (default 3, as on AWS; at most 900)"),
  Options.filterMap((n) => (n >= 1 && n <= 900 ? Option.some(n) : Option.none()), "--timeout must be 1..900 seconds"),
  Options.optional
)

const memory = Options.integer("memory").pipe(
  Options.withAlias("m"),
  Options.withPseudoName("MB"),
  Options.withDescription("Memory size in MB reported to the function (128..10240)"),
  Options.filterMap((n) => (n >= 128 && n <= 10240 ? Option.some(n) : Option.none()), "--memory must be 128..10240 MB"),
  Options.optional
)

const env = Options.text("env").pipe(
  Options.withAlias("e"),
  Options.withPseudoName("KEY=VALUE"),
  Options.withDescription("Environment variable for the function, KEY=VALUE (repeatable)"),
  Options.repeated,
  Help.optionalRepeated
)

const envFile = Options.file("env-file", { exists: "either" }).pipe(
  Options.withPseudoName("file"),
  Options.withDescription(
    "Environment variables for the function from a dotenv file (KEY=VALUE lines); --env wins over it, and it over template.yaml"
  ),
  Options.optional
)

const inspect = Options.integer("inspect").pipe(
  Options.withPseudoName("port"),
  Options.withDescription(
    "Start the function under the Node inspector on 127.0.0.1 (--inspect alone: port 9229) for a debugger to attach"
  ),
  Options.filterMap(
    (n) => (n >= 0 && n <= 65535 ? Option.some(n) : Option.none()),
    "--inspect must be a port 0..65535"
  ),
  Options.optional
)

const logFormat = Options.choice("log-format", ["Text", "JSON"]).pipe(
  Options.withDescription("Log format of the function (AWS_LAMBDA_LOG_FORMAT)"),
  Options.optional
)

const handler = Options.text("handler").pipe(
  Options.withPseudoName("file.export"),
  Options.withDescription(
    "_HANDLER of the function; a folder of plain Node.js code (no bootstrap) runs on the drop-in runner"
  ),
  Options.optional
)

const functionConfig = (defaultPort: number) => ({
  functionDir,
  handler,
  port: port(defaultPort),
  timeout,
  memory,
  env,
  envFile,
  logFormat,
  inspect,
  fault: FaultSpec.option
})

type FunctionArgs = Command.Command.ParseConfig<ReturnType<typeof functionConfig>>

const bindHost = Options.text("host").pipe(
  Options.withPseudoName("address"),
  Options.withDescription(
    "Address to listen on (default 127.0.0.1). On a loopback address only requests naming a loopback host are served (no DNS rebinding from a web page); any other address (0.0.0.0, a LAN address) makes the emulator reachable from other machines and accepts any Host"
  ),
  Options.optional
)

const concurrency = Options.integer("concurrency").pipe(
  Options.withPseudoName("N"),
  Options.withDescription(
    "Run up to N sandboxes (runtime processes, each with its own cold start) for concurrent invocations, as Lambda scales out (default 1; more wait for a free one)"
  ),
  Options.filterMap((n) => (n >= 1 && n <= 64 ? Option.some(n) : Option.none()), "--concurrency must be 1..64"),
  Options.optional
)

const reservedConcurrency = Options.integer("reserved-concurrency").pipe(
  Options.withPseudoName("N"),
  Options.withDescription(
    "The function's reserved concurrency: a synchronous invoke while N invocations are in flight gets 429 TooManyRequestsException (Event invocations wait)"
  ),
  Options.filterMap(
    (n) => (n >= 0 && n <= 1000 ? Option.some(n) : Option.none()),
    "--reserved-concurrency must be 0..1000"
  ),
  Options.optional
)

const maxRetryAttempts = Options.integer("max-retry-attempts").pipe(
  Options.withPseudoName("N"),
  Options.withDescription("Times a failed Event invocation is tried again, 0..2 (default 2, as Lambda)"),
  Options.filterMap((n) => (n >= 0 && n <= 2 ? Option.some(n) : Option.none()), "--max-retry-attempts must be 0..2"),
  Options.optional
)

const maxEventAge = Options.integer("max-event-age").pipe(
  Options.withPseudoName("seconds"),
  Options.withDescription("An Event invocation older than this is not tried again, 60..21600 (default 21600, 6 hours)"),
  Options.filterMap(
    (n) => (n >= 60 && n <= 21600 ? Option.some(n) : Option.none()),
    "--max-event-age must be 60..21600 seconds"
  ),
  Options.optional
)

const onFailure = Options.file("on-failure", { exists: "either" }).pipe(
  Options.withPseudoName("file"),
  Options.withDescription(
    "On-failure destination: each Event invocation given up is appended to this file as a JSON line in Lambda's destination record format"
  ),
  Options.optional
)

/** What `start` and `watch` take beyond `invoke`: how the server listens and scales, and retries events. */
const serveConfig = {
  host: bindHost,
  concurrency,
  reservedConcurrency,
  maxRetryAttempts,
  maxEventAge,
  onFailure
}

type ServeArgs = Command.Command.ParseConfig<typeof serveConfig>

const toServeOptions = (args: ServeArgs) => ({
  ...(Option.isSome(args.host) ? { host: args.host.value } : {}),
  ...(Option.isSome(args.concurrency) ? { concurrency: args.concurrency.value } : {}),
  ...(Option.isSome(args.reservedConcurrency) ? { reservedConcurrency: args.reservedConcurrency.value } : {}),
  asyncInvocation: {
    ...(Option.isSome(args.maxRetryAttempts) ? { maxRetryAttempts: args.maxRetryAttempts.value } : {}),
    ...(Option.isSome(args.maxEventAge) ? { maxEventAge: Duration.seconds(args.maxEventAge.value) } : {}),
    ...(Option.isSome(args.onFailure) ? { onFailure: args.onFailure.value } : {})
  }
})

const parseEnv = (pairs: ReadonlyArray<string>): Effect.Effect<Record<string, string>, InvalidEnv> =>
  Effect.gen(function*() {
    const out: Record<string, string> = {}
    for (const pair of pairs) {
      const eq = pair.indexOf("=")
      // Split on the first `=` only: values such as URLs or base64 contain `=` themselves.
      if (eq <= 0) return yield* new InvalidEnv({ value: pair })
      out[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
    return out
  })

const toFunctionOptions = (args: FunctionArgs) =>
  Effect.gen(function*() {
    const absDir = yield* resolveDir(args.functionDir)
    // Precedence, lowest first: template.yaml, --env-file, --env (and the flags over the template).
    const template = Option.getOrUndefined(yield* SamTemplate.read(absDir, args.functionDir))
    if (template !== undefined) yield* Console.error(describeTemplate(template))
    const fileEnv = Option.isSome(args.envFile) ? yield* EnvFile.read(args.envFile.value) : {}
    const flagEnv = yield* parseEnv(args.env)
    return {
      dir: args.functionDir,
      absDir,
      port: args.port,
      timeoutSeconds: Option.orElse(args.timeout, () => Option.fromNullable(template?.timeoutSeconds)),
      memorySizeMb: Option.orElse(args.memory, () => Option.fromNullable(template?.memorySizeMb)),
      env: { ...template?.env, ...fileEnv, ...flagEnv },
      logFormat: args.logFormat,
      inspectPort: args.inspect,
      faults: args.fault,
      handler: Option.getOrUndefined(Option.orElse(args.handler, () => Option.fromNullable(template?.handler)))
    } satisfies FunctionOptions
  })

const describeTemplate = (t: SamTemplate.TemplateDefaults): string => {
  const parts = [
    t.timeoutSeconds === undefined ? undefined : `Timeout ${t.timeoutSeconds}`,
    t.memorySizeMb === undefined ? undefined : `MemorySize ${t.memorySizeMb}`,
    t.handler === undefined ? undefined : `Handler ${t.handler}`,
    `${Object.keys(t.env).length} environment variable(s)`
  ].filter((p) => p !== undefined)
  const unresolved = t.unresolved.length === 0
    ? ""
    : `; left out, computed at deploy time: ${t.unresolved.join(", ")}`
  return `effect-lambda: defaults from ${t.file} (${t.functionId}): ${parts.join(", ")}${unresolved}`
}

/**
 * `effect-lambda start <function-dir>`: build if needed, serve the Invoke and Runtime APIs
 * and run the function until Ctrl-C.
 *
 * @since 0.1.0
 * @category commands
 */
export const start = Command.make(
  "start",
  {
    ...functionConfig(9001),
    ...serveConfig,
    url: Options.boolean("url").pipe(
      Options.withDescription(
        "Also serve a Function URL style front (HTTP requests in, streamed responses out) on port + 1"
      )
    )
  },
  (args) =>
    toFunctionOptions(args).pipe(
      Effect.flatMap((options) => Commands.start({ ...options, ...toServeOptions(args), functionUrl: args.url }))
    )
).pipe(Command.withDescription("Start the emulator with the function and serve until Ctrl-C"))

/**
 * `effect-lambda invoke <function-dir>`: invoke the function once and print its answer.
 *
 * @since 0.1.0
 * @category commands
 */
export const invoke = Command.make(
  "invoke",
  {
    ...functionConfig(0),
    event: Options.text("event").pipe(
      Options.withPseudoName("json"),
      Options.withDescription("Event JSON (default: stdin when it is not a terminal, else {})"),
      Options.optional
    ),
    dataExample: Options.text("data-example").pipe(
      Options.withPseudoName("source"),
      Options.withDescription(
        "Invoke with a sample event of an AWS event source: apigw-v1, apigw-v2, alb, function-url, sqs, sns, s3, eventbridge, dynamodb, kinesis, scheduled (`--data-example list` describes them)"
      ),
      Options.optional
    ),
    eventFile: Options.text("event-file").pipe(
      Options.withAlias("f"),
      Options.withPseudoName("file"),
      Options.withDescription("File holding the event JSON (- for stdin)"),
      Options.optional
    )
  },
  (args) =>
    toFunctionOptions(args).pipe(
      Effect.flatMap((options) =>
        Commands.invoke(options, { event: args.event, eventFile: args.eventFile, dataExample: args.dataExample })
      )
    )
).pipe(
  Command.withDescription(
    "Invoke the function once: payload on stdout, logs on stderr; exit 1 on a function error"
  )
)

/**
 * `effect-lambda watch <function-dir>`: like `start`, rebuilding and restarting the function
 * when files under its `src/` change.
 *
 * @since 0.1.0
 * @category commands
 */
export const watch = Command.make(
  "watch",
  { ...functionConfig(9001), ...serveConfig },
  (args) =>
    toFunctionOptions(args).pipe(Effect.flatMap((options) => Commands.watch({ ...options, ...toServeOptions(args) })))
).pipe(Command.withDescription("Like start, and rebuild and restart the function when its src/ changes"))

// The console the commands print with; `run` mutes @effect/cli's own error printing around them.
const commandConsole = FiberRef.unsafeMake<Option.Option<Console.Console>>(Option.none())

function withOutput<Name extends string, R, E, A>(
  self: Command.Command<Name, R, E, A>
): Command.Command<Name, R, E, A> {
  return Command.transformHandler(
    self,
    (effect) =>
      Effect.flatMap(
        FiberRef.get(commandConsole),
        (console) => Option.match(console, { onNone: () => effect, onSome: (c) => Console.withConsole(effect, c) })
      )
  )
}

/**
 * The root command, with every subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
const description = "Run AWS Lambda functions built on Effect locally, through the emulator"

export const command = Command.make("effect-lambda").pipe(
  Command.withDescription(description),
  Command.withSubcommands([
    withOutput(start),
    withOutput(invoke),
    withOutput(watch),
    withOutput(buildCommand),
    withOutput(newCommand)
  ])
)

/**
 * Runs the command line (`process.argv` shape: node, script, ...args).
 *
 * @since 0.1.0
 * @category running
 */
export const run = (argv: ReadonlyArray<string>) =>
  Console.consoleWith((console) =>
    Console.withConsole(Effect.locally(helpOrRun(argv), commandConsole, Option.some(console)), {
      ...console,
      // @effect/cli prints usage errors as multi-line help text before failing with them; mute
      // that so the error is reported once, as one line, by `CliError.describeCause`. The
      // commands themselves print with `console` (see `withOutput`).
      error: () => Effect.void,
      // Help is rendered with ANSI styles whatever the output; keep them off pipes and files.
      log: (...args) => console.log(...(plainOutput() ? args.map(stripAnsi) : args))
    })
  )

const plainOutput = () => process.stdout.isTTY !== true || (process.env.NO_COLOR ?? "") !== ""

const stripAnsi = (u: unknown): unknown =>
  // eslint-disable-next-line no-control-regex
  typeof u === "string" ? u.replace(/\u001b\[[0-9;]*m/g, "") : u

const cli = Command.run(command, { name: "effect-lambda", version })

// `invoke --data-example list` lists the sources and invokes nothing, with or without a function.
const listsDataExamples = (args: ReadonlyArray<string>): boolean =>
  args[0] === "invoke" &&
  args.some((arg, i) => arg === "--data-example=list" || (arg === "--data-example" && args[i + 1] === "list"))

// `--inspect` alone means Node's default port, as `node --inspect` does; @effect/cli options
// take a value, so the bare flag is given its value before parsing.
const withInspectDefault = (argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  argv.map((arg, i) => (i >= 2 && arg === "--inspect" && !/^\d+$/.test(argv[i + 1] ?? "") ? "--inspect=9229" : arg))

const helpOrRun = (argv: ReadonlyArray<string>) => {
  const doc = help(argv.slice(2))
  if (doc === undefined && listsDataExamples(argv.slice(2))) return Console.log(DataExample.listing())
  return doc === undefined
    ? Effect.provideService(cli(withInspectDefault(argv)), CliConfig.CliConfig, Help.config)
    : Console.log(HelpDoc.toAnsiText(doc))
}

// Help is ours (see internal/help.ts): the commands it names, in the order listed.
const helpEntry = <Name extends string, R, E, A>(name: Name, command: Command.Command<Name, R, E, A>) => ({
  name,
  summary: () => Help.summary(command),
  help: () => Help.commandHelp("effect-lambda", command)
})

const helpTable = [
  helpEntry("start", start),
  helpEntry("invoke", invoke),
  helpEntry("watch", watch),
  helpEntry("build", buildCommand),
  helpEntry("new", newCommand)
] as const

const help = (args: ReadonlyArray<string>): HelpDoc.HelpDoc | undefined => {
  const request = Help.helpRequest(args, helpTable.map((entry) => entry.name))
  if (request === undefined) return undefined
  if (request._tag === "Program") {
    return Help.programHelp(
      "effect-lambda",
      description,
      Arr.map(helpTable, (entry) => ({ name: entry.name, summary: entry.summary() }))
    )
  }
  return helpTable.find((entry) => entry.name === request.name)!.help()
}
