/**
 * The conformance function (examples/conformance, built by `pnpm build`) as a real process under
 * the emulator, with every Runtime API call it makes recorded, for tests that inject faults and
 * check what the runtime did about them.
 *
 * @since 0.1.0
 */
import { Emulator } from "@effect-lambda/emulator"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as proc from "./internal/proc.js"

/**
 * A condition waited for with `Harness.waitUntil` did not hold in time: a hang, not a slow run.
 *
 * @since 0.1.0
 * @category errors
 */
export class WaitTimedOut extends Schema.TaggedError<WaitTimedOut>()("WaitTimedOut", {
  what: Schema.String,
  millis: Schema.Number
}) {}

/**
 * The repository root: the nearest folder above this module holding `pnpm-workspace.yaml`
 * (the same from the sources under vitest and from the bundled soak script).
 *
 * @since 0.1.0
 * @category paths
 */
export const repoRoot = (): string => {
  let dir = Path.dirname(fileURLToPath(import.meta.url))
  while (!Fs.existsSync(Path.join(dir, "pnpm-workspace.yaml"))) {
    const parent = Path.dirname(dir)
    if (parent === dir) throw new Error("effect-lambda e2e: no pnpm-workspace.yaml above " + import.meta.url)
    dir = parent
  }
  return dir
}

/**
 * The folder of the conformance function; its `bootstrap` runs `dist/main.mjs`.
 *
 * @since 0.1.0
 * @category paths
 */
export const conformanceDir = (): string => Path.join(repoRoot(), "examples", "conformance")

/**
 * What an invoker got, decoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome {
  readonly statusCode: number
  readonly requestId: string
  /** `X-Amz-Function-Error`. */
  readonly functionError: string | undefined
  /** `errorType` of the error JSON, when the function failed. */
  readonly errorType: string | undefined
  /** The payload parsed as JSON, or as text when it is not JSON. */
  readonly body: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly faults?: ReadonlyArray<Emulator.FaultRule>
  /** Environment of the function (`CONFORMANCE_FINALIZER_FILE`, `CONFORMANCE_INIT`, ...). */
  readonly env?: Record<string, string>
  /** Function timeout; default 10 s, so that only a deliberate deadline is ever reached. */
  readonly timeoutSeconds?: number
  /** Default: the conformance function. */
  readonly functionDir?: string
}

/**
 * A running emulator with the function, and what it saw.
 *
 * @since 0.1.0
 * @category models
 */
export interface Harness {
  readonly emulator: Emulator.Emulator
  /** Every Runtime API call, in the order answered. */
  readonly calls: ReadonlyArray<Emulator.RuntimeCall>
  /** The function's output and the emulator's START/END/REPORT lines. */
  readonly logs: ReadonlyArray<string>
  /** Invokes with `event` as JSON and decodes the answer. */
  readonly invoke: (event: unknown) => Effect.Effect<Outcome, Emulator.EmulatorError>
  /** The response and error reports the runtime sent for `requestId`. */
  readonly reportsFor: (requestId: string) => ReadonlyArray<Emulator.RuntimeCall>
  /** Pid of the runtime process now running, if one is. */
  readonly runtimePid: Effect.Effect<number | undefined>
}

const decoder = new TextDecoder()

/**
 * Reads an Invoke API answer.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (result: Emulator.InvokeResult): Outcome => {
  const text = decoder.decode(result.payload)
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: kept as text
  }
  const errorType = result.functionError !== undefined && typeof body === "object" && body !== null &&
      "errorType" in body && typeof body.errorType === "string"
    ? body.errorType
    : undefined
  return {
    statusCode: result.statusCode,
    requestId: result.requestId,
    functionError: result.functionError,
    errorType,
    body
  }
}

/** Marks the runtime's node process among this process's children. */
const bundleMarker = "dist/main.mjs"

/**
 * Starts the emulator with the function in the current scope (the runtime itself starts at the
 * first invocation, as in Lambda).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Harness, Emulator.EmulatorError, Scope.Scope> =>
  Effect.gen(function*() {
    const calls: Array<Emulator.RuntimeCall> = []
    const logs: Array<string> = []
    const emulator = yield* Emulator.make({
      functionDir: options.functionDir ?? conformanceDir(),
      timeout: Duration.seconds(options.timeoutSeconds ?? 10),
      faults: options.faults ?? [],
      env: { AWS_LAMBDA_LOG_LEVEL: "INFO", ...options.env },
      onLog: (line) => void logs.push(line),
      onRuntimeCall: (call) => void calls.push(call),
      stopGrace: "2 seconds"
    })
    return {
      emulator,
      calls,
      logs,
      invoke: (event) => Effect.map(emulator.invoke(JSON.stringify(event)), decode),
      reportsFor: (requestId) =>
        calls.filter((call) =>
          call.requestId === requestId && (call.endpoint === "response" || call.endpoint === "error")
        ),
      runtimePid: Effect.sync(() => proc.childrenRunning(process.pid, bundleMarker).find(proc.isAlive))
    } satisfies Harness
  })

/**
 * Polls `condition` every 20 ms until it holds; fails with `WaitTimedOut` after `millis`. The
 * bound only catches a hang: nothing is asserted about how fast the condition came true.
 *
 * @since 0.1.0
 * @category waiting
 */
export const waitUntil = (condition: () => boolean, what: string, millis = 10_000): Effect.Effect<void, WaitTimedOut> =>
  Effect.sync(condition).pipe(
    Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutFail({ duration: Duration.millis(millis), onTimeout: () => new WaitTimedOut({ what, millis }) }),
    Effect.asVoid
  )
