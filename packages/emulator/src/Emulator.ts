/**
 * A local AWS Lambda: the Runtime API 2018-06-01 for a runtime to poll, the Invoke API for
 * callers (AWS SDK/CLI, curl, tests), and a supervisor running the function's `bootstrap`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as EmulatorError_ from "./EmulatorError.js"
import * as internal from "./internal/emulator.js"
import * as http from "./internal/http.js"
import type * as model from "./internal/model.js"

/**
 * Any failure of the emulator (see the `EmulatorError` module).
 *
 * @since 0.1.0
 * @category errors
 */
export type EmulatorError = EmulatorError_.EmulatorError

/**
 * How to run the emulator and the function.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Folder holding an executable `bootstrap`; omitted: no supervisor, an external runtime connects to `runtimeApi`. */
  readonly functionDir?: string
  /** Executable started instead of `<functionDir>/bootstrap` (in `functionDir`, which stays `LAMBDA_TASK_ROOT`): the CLI's drop-in runner for a plain Node.js folder. */
  readonly bootstrap?: string
  /** Default 0 (a free port). One port serves both the Runtime API and the Invoke API. */
  readonly port?: number
  /** Function timeout; default `AWS_LAMBDA_FUNCTION_TIMEOUT` (seconds) of `env`, then of the process, then 3 seconds. */
  readonly timeout?: Duration.DurationInput
  /** Default 128. */
  readonly memorySizeMb?: number
  /** Default `"function"`, as AWS's runtime interface emulator. */
  readonly functionName?: string
  /**
   * Address to bind; default `"127.0.0.1"`. On a loopback address, requests must name a loopback
   * host (`localhost`, `127.0.0.1`, `[::1]`) or one of `allowedHosts` in their `Host` header, so
   * that a web page cannot reach the emulator through a DNS name pointing at 127.0.0.1 (DNS
   * rebinding). Any other address (`0.0.0.0`, a LAN address) accepts every `Host`.
   */
  readonly host?: string
  /** More `Host` names (without port) accepted on a loopback address. */
  readonly allowedHosts?: ReadonlyArray<string>
  /**
   * User environment of the function; wins over Lambda's defaults and `envFile` except
   * `AWS_LAMBDA_RUNTIME_API` and `LAMBDA_TASK_ROOT`. The function gets Lambda's variables, these,
   * and of the emulator's own environment only `PATH`, `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` and `AWS_DEFAULT_REGION`.
   * `AWS_LAMBDA_MAX_CONCURRENCY` turns on Lambda Managed Instances mode: that many invocations
   * in flight, one per `next` the runtime has waiting.
   */
  readonly env?: Record<string, string>
  /** A file of `KEY=VALUE` lines (dotenv/docker form) for the function's environment, under `env`. */
  readonly envFile?: string
  /** A client must send a request's headers within this long; default 10 seconds. */
  readonly headersTimeout?: Duration.DurationInput
  /**
   * An idle keep-alive connection is closed after this long; default the function timeout plus
   * 10 seconds (a runtime's connection is idle while its handler runs).
   */
  readonly keepAliveTimeout?: Duration.DurationInput
  /** Sets `AWS_LAMBDA_LOG_FORMAT` for the function. */
  readonly logFormat?: "Text" | "JSON"
  /** Limits of streamed responses; default AWS's (see `StreamingOptions`). */
  readonly streaming?: StreamingOptions
  /**
   * A Function URL style front on its own port (`true`: a free one): plain HTTP requests become
   * Function URL events (payload format 2.0) and the function's answer the HTTP response, a
   * streamed one passed through as it arrives. Its URL is `Emulator.functionUrl`.
   */
  readonly functionUrl?: boolean | { readonly port?: number }
  /**
   * Receives the function's output and the START/END/REPORT lines, one line per call; default:
   * process.stdout (through `terminalSafe` when it is a terminal).
   */
  readonly onLog?: (line: string) => void
  /** `_HANDLER` of the function; default `""` (the runtime picks its only handler). */
  readonly handler?: string
  /** `AWS_REGION` of the function and region of its ARN; default `AWS_REGION` of `env`, then of the process, then `us-east-1`. */
  readonly region?: string
  /** How long a new runtime may take to reach its first `next`; default 10 seconds (Lambda's init limit). */
  readonly initTimeout?: Duration.DurationInput
  /**
   * Lambda's shutdown budget; default 2 seconds. The runtime gets SIGTERM only when an extension
   * registered (else SIGKILL) and a quarter of it (500 ms; 300 ms, 15 %, with external extensions),
   * then SIGKILL; external extensions get `SHUTDOWN` and the rest.
   */
  readonly stopGrace?: Duration.DurationInput
  /**
   * Sandboxes (separate runtime processes, each with its own cold start and its own Runtime API
   * port) serving concurrent invocations, as Lambda scales out; default 1. The first one is
   * preferred while it is free; invocations beyond `concurrency` x `AWS_LAMBDA_MAX_CONCURRENCY`
   * wait for a free one. Fault rules apply to the first sandbox.
   */
  readonly concurrency?: number
  /**
   * The function's reserved concurrency: a synchronous invoke while this many invocations are in
   * flight (accepted, not yet ended) gets 429 `TooManyRequestsException`; `Event` invocations
   * wait instead, as in Lambda's queue, up to `maxEventAge` (then their on-failure record says
   * `EventAgeExceeded`); with 0 they go to the on-failure destination at once, never run, as
   * Lambda sends them. Default: no limit.
   */
  readonly reservedConcurrency?: number
  /**
   * Lambda's asynchronous invocation settings: an `Event` invocation that fails (function
   * error, timeout, crash) is tried again, with the same request id, up to `maxRetryAttempts`
   * times (0..2, default 2) after `retryDelays` (default 1 and 2 minutes, as Lambda waits about
   * that long), unless it is older than `maxEventAge` (default 6 hours). When it is given up,
   * its on-failure record (Lambda's destination format) goes to `onFailure`.
   */
  readonly asyncInvocation?: AsyncInvocationOptions
  /** Fault rules in force from the start, as if given to `injectFault` (the CLI's `--fault`). */
  readonly faults?: ReadonlyArray<FaultRule>
  /** Told of every Runtime API call once it is answered or dropped: what the runtime sent, for tests. */
  readonly onRuntimeCall?: (call: RuntimeCall) => void
}

/**
 * Lambda's asynchronous invocation settings (`Options.asyncInvocation`).
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncInvocationOptions {
  /** 0..2; default 2. */
  readonly maxRetryAttempts?: number
  /** Default 6 hours, Lambda's maximum. */
  readonly maxEventAge?: Duration.DurationInput
  /** Before the second and the third attempt; default 1 minute and 2 minutes. */
  readonly retryDelays?: readonly [Duration.DurationInput, Duration.DurationInput]
  /**
   * The on-failure destination: a file the records are appended to as JSON lines (written
   * before the emulator stops), or a function told of each record.
   */
  readonly onFailure?: string | ((record: FailureRecord) => void)
}

/**
 * What Lambda sends an on-failure destination when it gives up an `Event` invocation:
 * `version`, `timestamp`, `requestContext` (`requestId`, `functionArn`, `condition`
 * `RetriesExhausted` or `EventAgeExceeded`, `approximateInvokeCount`), `requestPayload`,
 * `responseContext` (`statusCode`, `executedVersion`, `functionError`) and `responsePayload`.
 *
 * @since 0.1.0
 * @category models
 */
export type FailureRecord = model.FailureRecord

/**
 * How streamed responses are limited. AWS ends a streamed response past 20 MiB
 * (`Function.ResponseSizeTooLarge`) and lets the first 6 MiB out at full speed, the rest at
 * 2 MiB/s.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamingOptions {
  /** Default 20 MiB (20,971,520 bytes). */
  readonly maxResponseBytes?: number
  /** `false`: no bandwidth cap (tests); default `{ burstBytes: 6 MiB, bytesPerSecond: 2 MiB }`. */
  readonly bandwidth?: false | { readonly burstBytes?: number; readonly bytesPerSecond?: number }
}

/**
 * The Invoke API headers of a programmatic invocation.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvokeOptions {
  readonly invocationType?: "RequestResponse" | "Event" | "DryRun"
  /** Base64 of the client context JSON, as in `X-Amz-Client-Context`. */
  readonly clientContext?: string
  /** As in `X-Amz-Tenant-Id`. */
  readonly tenantId?: string
  /** As in `X-Amz-Log-Type`: `"Tail"` returns the end of the invocation's log in `logResult`. */
  readonly logType?: "None" | "Tail"
  /**
   * Resolve once END and REPORT are printed (the runtime asked for its next event: what it
   * printed after answering belongs to this invocation) instead of as soon as the answer is
   * there; implied by `logType: "Tail"`. For a caller that stops the emulator right after.
   */
  readonly awaitEnd?: boolean
}

/**
 * What an invoker gets, as the HTTP Invoke API would answer it.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvokeResult {
  readonly statusCode: number
  readonly payload: Uint8Array
  /** `X-Amz-Function-Error` (`"Unhandled"` on any function, runtime or sandbox error). */
  readonly functionError: string | undefined
  readonly requestId: string
  /** `X-Amz-Log-Result`: base64 of the last 4 KB of the invocation's log, with `logType: "Tail"`. */
  readonly logResult: string | undefined
}

/**
 * An injected fault for the Runtime API:
 * - `Status`: that status instead of the normal answer. On a report (response or error) any
 *   status but 500 also ends the invocation, as the platform's own refusals do: the invoker gets
 *   `Function.ResponseSizeTooLarge` (413) or `Runtime.InjectedFault`, and the runtime may poll
 *   `next` again. A 500 ends nothing: the runtime should exit, and its exit is what the invoker sees.
 * - `Delay`: the normal answer, `duration` later.
 * - `Close`: the connection is closed before anything is read or answered.
 * - `Reset`: on `next`, the invocation is handed out but the answer is cut in the middle of its
 *   body; on a report, the connection is dropped after the first piece of the body and the
 *   invocation ends as `Runtime.TruncatedResponse`.
 * - `Malformed` (`next` only): `NoRequestId` answers at once without handing out an invocation;
 *   `BadDeadline` and `InvalidJson` hand out the real one with a deadline that is not a number or
 *   a body that is not JSON.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault = model.Fault

/**
 * What a `Malformed` fault gets wrong in a `next` answer.
 *
 * @since 0.1.0
 * @category models
 */
export type Malformation = model.Malformation

/**
 * A Runtime API endpoint, as fault rules and `RuntimeCall` name it.
 *
 * @since 0.1.0
 * @category models
 */
export type RuntimeEndpoint = model.RuntimeEndpoint

/**
 * One Runtime API call as the emulator answered it (`onRuntimeCall`): endpoint, call number,
 * request id (of the path, or handed out by `next`), status (undefined: connection dropped), the
 * error type header of an error report and the injected fault, if any.
 *
 * @since 0.1.0
 * @category models
 */
export type RuntimeCall = model.RuntimeCall

/**
 * Which Runtime API call a fault applies to: an endpoint (or `"any"`), optionally its n-th call
 * (1-based, counted since the emulator started); fires once unless `once: false`.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultRule = model.FaultRule

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Emulator {
  /** `http://127.0.0.1:PORT`, base URL of both APIs. */
  readonly url: string
  /** `127.0.0.1:PORT`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  readonly runtimeApi: string
  /** `http://127.0.0.1:PORT`, base URL of the Function URL front when `functionUrl` is on. */
  readonly functionUrl: string | undefined
  /** Invokes the function through the same code as `POST /2015-03-31/functions/{name}/invocations`. */
  readonly invoke: (
    payload: string | Uint8Array,
    options?: InvokeOptions
  ) => Effect.Effect<InvokeResult, EmulatorError>
  /** Test switch: the next Runtime API call answers 500 `InternalServerError` (a container error). */
  readonly failNextRuntimeCall: Effect.Effect<void>
  /** Adds a fault rule for the Runtime API. */
  readonly injectFault: (rule: FaultRule) => Effect.Effect<void>
}

/**
 * A line of the function's output made safe for a terminal: control characters (escape
 * sequences, backspace, bell) are shown escaped (`\x1b`) instead of acting on the terminal; a
 * carriage return, which Lambda's text format puts between the lines of one record, becomes a
 * new line. Apply it where the emulator's lines go to a TTY.
 *
 * @example
 * ```ts
 * import { Emulator } from "@effect-lambda/emulator"
 *
 * const onLog = (line: string) =>
 *   process.stderr.write((process.stderr.isTTY ? Emulator.terminalSafe(line) : line) + "\n")
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const terminalSafe: (line: string) => string = internal.terminalSafe

/**
 * Whether a bind address (or host name) is a loopback one: `localhost`, `127.x.y.z`, `::1`. On
 * such an address the emulator serves only requests whose `Host` names a loopback host (or one of
 * `allowedHosts`); on any other it is reachable from other machines and accepts any `Host`.
 *
 * @example
 * ```ts
 * import { Emulator } from "@effect-lambda/emulator"
 *
 * Emulator.isLoopback("127.0.0.1") // true
 * Emulator.isLoopback("0.0.0.0") // false
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const isLoopback: (host: string) => boolean = http.isLoopback

/**
 * The service of a running emulator.
 *
 * @since 0.1.0
 * @category tags
 */
export const Emulator: Context.Tag<Emulator, Emulator> = Context.GenericTag<Emulator>(
  "@effect-lambda/emulator/Emulator"
)

/**
 * Starts an emulator in the current scope: the HTTP server and, with `functionDir`, the
 * supervisor, which starts `bootstrap` at the first invocation (lazily, as AWS's runtime
 * interface emulator) and again after it exited, crashed or timed out. Closing the scope stops
 * the function as Lambda does (SIGTERM when an extension registered, else SIGKILL; `SHUTDOWN` to
 * external extensions; within `stopGrace`) and the server.
 *
 * @example
 * ```ts
 * import { Emulator } from "@effect-lambda/emulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.make({ functionDir: "examples/hello", timeout: "5 seconds" })
 *   const result = yield* emulator.invoke(JSON.stringify({ name: "world" }))
 *   console.log(result.statusCode, new TextDecoder().decode(result.payload))
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Emulator, EmulatorError, Scope.Scope> = internal.make

/**
 * `make` as a scoped layer of the `Emulator` service.
 *
 * @example
 * ```ts
 * import { Emulator } from "@effect-lambda/emulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.Emulator
 *   console.log(`invoke: ${emulator.url}/2015-03-31/functions/function/invocations`)
 *   yield* Effect.never
 * }).pipe(Effect.provide(Emulator.layer({ functionDir: "examples/hello", port: 9001 })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Emulator, EmulatorError> => Layer.scoped(Emulator, make(options))
