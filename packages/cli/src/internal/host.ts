/** @internal */
import { Emulator } from "@effect-lambda/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as DropIn from "./dropIn.js"

/**
 * What `start`, `invoke` and `watch` share: the function directory and the emulator settings
 * from the command line, already validated.
 *
 * @internal
 */
export interface FunctionOptions {
  /** As typed by the user, for messages. */
  readonly dir: string
  /** Resolved absolute path. */
  readonly absDir: string
  readonly port: number
  readonly timeoutSeconds: Option.Option<number>
  readonly memorySizeMb: Option.Option<number>
  readonly env: Readonly<Record<string, string>>
  readonly logFormat: Option.Option<"Text" | "JSON">
  /** `--inspect`: the function's Node starts with the inspector on this port of 127.0.0.1. */
  readonly inspectPort: Option.Option<number>
  /** `--fault` rules for the emulator's Runtime API. */
  readonly faults: ReadonlyArray<Emulator.FaultRule>
  /** `start --url`: the Function URL front, on the port after the emulator's (a free one with port 0). */
  readonly functionUrl?: boolean
  /** `--handler`: `_HANDLER`; a folder without a bootstrap then runs on the drop-in runner. */
  readonly handler?: string | undefined
  /** `--host`: the address to listen on; default 127.0.0.1. */
  readonly host?: string
  /** `--concurrency`: sandboxes (runtime processes) serving at once. */
  readonly concurrency?: number
  /** `--reserved-concurrency`: synchronous invokes beyond it get 429. */
  readonly reservedConcurrency?: number
  /** `--max-retry-attempts`, `--max-event-age`, `--on-failure`: Event invocations' retries and destination. */
  readonly asyncInvocation?: Emulator.AsyncInvocationOptions
}

/**
 * The emulator layer for a function, on `port` (which `watch` pins after the first start).
 *
 * @internal
 */
export const emulatorLayer = (
  options: FunctionOptions,
  port: number = options.port
): Layer.Layer<Emulator.Emulator, Emulator.EmulatorError> =>
  Layer.unwrapEffect(Effect.map(Effect.console, (console) => {
    const env: Record<string, string> = { ...options.env }
    // Through NODE_OPTIONS, which every Node the bootstrap starts reads, whatever its flags.
    if (Option.isSome(options.inspectPort)) {
      const flag = `--inspect=127.0.0.1:${options.inspectPort.value}`
      env.NODE_OPTIONS = env.NODE_OPTIONS === undefined ? flag : `${env.NODE_OPTIONS} ${flag}`
    }
    const config: { -readonly [K in keyof Emulator.Options]: Emulator.Options[K] } = {
      functionDir: options.absDir,
      host: options.host ?? "127.0.0.1",
      port,
      env,
      // Function logs (and the emulator's START/END/REPORT lines) go to stderr so that stdout
      // carries only what a script would capture: the payload of `invoke`, the URL of `start`.
      onLog: (line) => {
        const text = line.endsWith("\n") ? line.slice(0, -1) : line
        // the function's control characters must not act on the user's terminal
        Effect.runSync(console.error(process.stderr.isTTY ? Emulator.terminalSafe(text) : text))
      }
    }
    if (Option.isSome(options.timeoutSeconds)) config.timeout = Duration.seconds(options.timeoutSeconds.value)
    if (Option.isSome(options.memorySizeMb)) config.memorySizeMb = options.memorySizeMb.value
    if (Option.isSome(options.logFormat)) config.logFormat = options.logFormat.value

    if (options.faults.length > 0) config.faults = options.faults
    if (options.functionUrl === true) config.functionUrl = { port: port === 0 ? 0 : port + 1 }
    if (options.handler !== undefined) config.handler = options.handler
    if (options.concurrency !== undefined) config.concurrency = options.concurrency
    if (options.reservedConcurrency !== undefined) config.reservedConcurrency = options.reservedConcurrency
    if (options.asyncInvocation !== undefined) config.asyncInvocation = options.asyncInvocation
    if (DropIn.runsOnRunner(options.absDir)) config.bootstrap = DropIn.launcher()
    return Emulator.layer(config)
  }))

/**
 * The sync Invoke API URL of an emulator, as AWS's RIE prints it.
 *
 * @internal
 */
export const invokeUrl = (emulator: Emulator.Emulator): string =>
  `${new URL(emulator.url).origin}/2015-03-31/functions/function/invocations`

/**
 * The port an emulator actually listens on (differs from the option when it was 0).
 *
 * @internal
 */
export const boundPort = (emulator: Emulator.Emulator): number => Number(new URL(emulator.url).port)
