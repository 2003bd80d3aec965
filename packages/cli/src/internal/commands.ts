/** @internal */
import { Emulator } from "@effect-lambda/emulator"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SynchronizedRef from "effect/SynchronizedRef"
import { FunctionFailed, InvokeFailed, toMessage } from "../CliError.js"
import * as DropIn from "./dropIn.js"
import { type EventSource, readEvent } from "./event.js"
import { checkBootstrap, ensureBuilt } from "./functionDir.js"
import { boundPort, emulatorLayer, type FunctionOptions, invokeUrl } from "./host.js"
import { isBinary, splitHttpStream } from "./payload.js"
import { typecheck } from "./typecheck.js"
import { watchTree } from "./watcher.js"

// The payload is bytes, written as they are (Console would add a newline and decode them).
const writeStdout = (data: string | Uint8Array): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    // Wait for the write to be flushed: on a failed invoke the process exits right after.
    process.stdout.write(data, () => resume(Effect.void))
  })

const prepare = (options: FunctionOptions) =>
  // A plain Node.js folder without a bootstrap runs on the drop-in runner: nothing to build.
  DropIn.runsOnRunner(options.absDir)
    ? Effect.void
    : ensureBuilt(options.absDir, options.dir).pipe(Effect.zipRight(checkBootstrap(options.absDir, options.dir)))

const announce = (options: FunctionOptions, emulator: Emulator.Emulator, verb: string) =>
  Effect.zipRight(
    Console.log(
      `effect-lambda: ${verb} ${options.dir} (Ctrl-C to stop)\n` +
        `Invoke URL: ${invokeUrl(emulator)}\n` +
        `Live view: ${new URL(emulator.url).origin}/` +
        (emulator.functionUrl === undefined ? "" : `\nFunction URL: ${emulator.functionUrl}/`)
    ),
    // Said out loud: the emulator runs whatever it is sent, and now others can send it.
    options.host === undefined || Emulator.isLoopback(options.host) ? Effect.void : Console.error(
      `effect-lambda: listening on ${options.host}: reachable from other machines, any Host header accepted`
    )
  )

const reportTypeErrors = (options: FunctionOptions) =>
  typecheck(options.absDir, options.dir).pipe(
    Effect.catchAll((failed) =>
      Effect.gen(function*() {
        for (const line of failed.errors) yield* Console.error(line)
        yield* Console.error(
          `effect-lambda: ${options.dir} does not type-check (${failed.errors.length} line(s) of tsc output above)`
        )
      })
    )
  )

/**
 * `start`: serve until interrupted. The scope of the emulator layer is the lifetime of the
 * command, so Ctrl-C (which interrupts the main fiber) stops the child and the server.
 *
 * @internal
 */
export const start = (options: FunctionOptions) =>
  Effect.gen(function*() {
    yield* prepare(options)
    yield* Effect.forkScoped(reportTypeErrors(options))
    yield* Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* announce(options, emulator, "serving")
      return yield* Effect.never
    }).pipe(Effect.provide(emulatorLayer(options)))
  }).pipe(Effect.scoped)

const errorType = (payload: Uint8Array): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload))
    if (
      typeof parsed === "object" && parsed !== null && "errorType" in parsed && typeof parsed.errorType === "string"
    ) {
      return parsed.errorType
    }
  } catch {
    // not JSON: no errorType to show
  }
  return undefined
}

/**
 * `invoke`: one invocation against a private emulator, payload (or error JSON) on stdout.
 *
 * @internal
 */
export const invoke = (options: FunctionOptions, source: EventSource) =>
  Effect.gen(function*() {
    // Read the event first: a bad event should not cost a build and a cold start.
    const event = yield* readEvent(source)
    yield* prepare(options)
    // Type errors are shown, not fatal: the invocation says what the code does meanwhile.
    const checked = yield* Effect.fork(reportTypeErrors(options))
    const result = yield* Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      // The emulator stops right after: wait for END and REPORT (output after the answer too).
      return yield* emulator.invoke(event, { awaitEnd: true })
    }).pipe(Effect.provide(emulatorLayer(options)))
    yield* Fiber.join(checked)
    const payload = result.payload
    // A non-2xx answer without a function error is the Invoke API refusing the call (413,
    // ...): not a payload for stdout, the message goes to the error line.
    if (result.functionError === undefined && (result.statusCode < 200 || result.statusCode >= 300)) {
      return yield* new InvokeFailed({ statusCode: result.statusCode, body: new TextDecoder().decode(payload) })
    }
    const streamed = splitHttpStream(payload)
    if (streamed !== undefined) {
      // A streamed HTTP response: the body is the output; its status and headers go to stderr.
      yield* Console.error(`effect-lambda: response ${streamed.prelude}`)
      if (process.stdout.isTTY === true && isBinary(streamed.body)) {
        yield* Console.error(
          `effect-lambda: binary body of ${streamed.body.length} bytes not shown on a terminal (redirect stdout to a file)`
        )
      } else if (streamed.body.length > 0) {
        yield* writeStdout(streamed.body)
        if (process.stdout.isTTY === true && streamed.body[streamed.body.length - 1] !== 0x0a) yield* writeStdout("\n")
      }
    } else if (payload.length > 0) {
      yield* writeStdout(payload)
      if (payload[payload.length - 1] !== 0x0a) yield* writeStdout("\n")
    }
    if (result.functionError !== undefined) {
      const type = errorType(payload)
      return yield* new FunctionFailed(
        type === undefined
          ? { functionError: result.functionError }
          : { functionError: result.functionError, errorType: type }
      )
    }
  })

interface Running {
  readonly scope: Scope.CloseableScope
  readonly emulator: Emulator.Emulator
}

// Each emulator gets a child scope of the command's scope: closing it early (a restart) is
// independent, and whatever is running when the command ends, even one launched a moment before
// it could be recorded as current, is closed with the command.
const launch = (options: FunctionOptions, port: number, parent: Scope.Scope) =>
  Effect.gen(function*() {
    const scope = yield* Scope.fork(parent, ExecutionStrategy.sequential)
    const context = yield* Layer.buildWithScope(emulatorLayer(options, port), scope).pipe(
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
    return { scope, emulator: Context.get(context, Emulator.Emulator) } satisfies Running
  })

const stderrLine = (line: string) => Console.error(`effect-lambda: ${line}`)

/**
 * `watch`: `start`, plus a rebuild and restart whenever a file under `src/` changes. The
 * emulator is recreated on the same port so the URL the user has stays valid. A failed
 * rebuild keeps the previous function serving, since the next save usually fixes it.
 *
 * @internal
 */
export const watch = (options: FunctionOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const parent = yield* Effect.scope
    yield* prepare(options)
    const first = yield* launch(options, options.port, parent)
    const port = boundPort(first.emulator)
    const current = yield* SynchronizedRef.make<Running>(first)
    yield* announce(options, first.emulator, "watching")
    yield* Effect.forkIn(reportTypeErrors(options), parent)

    const src = path.join(options.absDir, "src")
    const watched = (yield* fs.exists(src).pipe(Effect.orElseSucceed(() => false))) ? src : options.absDir

    const restart = SynchronizedRef.updateEffect(current, (running) =>
      Effect.gen(function*() {
        const rebuild = DropIn.runsOnRunner(options.absDir)
          ? Effect.void
          : ensureBuilt(options.absDir, options.dir, { force: true }).pipe(
            Effect.zipRight(checkBootstrap(options.absDir, options.dir))
          )
        const built = yield* rebuild.pipe(
          Effect.as(true),
          Effect.catchAll((error) =>
            stderrLine(`${toMessage(error)} (still serving the previous build)`).pipe(Effect.as(false))
          )
        )
        if (!built) return running
        yield* Effect.forkIn(reportTypeErrors(options), parent)
        yield* Scope.close(running.scope, Exit.void)
        const next = yield* launch(options, port, parent)
        yield* stderrLine(`restarted ${options.dir}`)
        return next
      }))

    yield* watchTree(watched).pipe(
      // Without a src/ the whole directory is watched: ignore what a build writes.
      Stream.filter((file) =>
        !["dist", "build", "node_modules"].includes(
          path.relative(options.absDir, path.join(watched, file)).split(path.sep)[0]!
        )
      ),
      // Editors save in bursts (temp file, rename, chmod): one restart per burst.
      Stream.debounce("200 millis"),
      Stream.runForEach(() => restart)
    )
  }).pipe(Effect.scoped)
