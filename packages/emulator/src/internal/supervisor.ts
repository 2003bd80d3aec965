/**
 * Runs the function's `bootstrap` as a child process, one at a time.
 *
 * node:child_process is wrapped directly rather than through @effect/platform's Command: the
 * supervisor needs the pid for /proc, its own process group so that a bootstrap shell script and
 * the node it starts die together, an exit signal it can race against invocations, the SIGTERM ->
 * grace -> SIGKILL sequence with its own timing, and logs split on "\n" only (Lambda's text
 * format keeps multi-line records on one line with "\r", which line readers would split).
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as ChildProcess from "node:child_process"
import type { Readable } from "node:stream"
import { StringDecoder } from "node:string_decoder"
import * as memory from "./memory.js"
import { type Generation, makeGeneration } from "./model.js"

export interface SupervisorOptions {
  readonly bootstrap: string
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly onLog: (line: string) => void
  readonly stopGrace: Duration.Duration
  /** When the environment's init began (the extensions start first), if before this spawn. */
  readonly initStartedAt?: () => number | undefined
}

export interface Supervisor {
  /** The live generation, or a new process when the last one is gone. */
  readonly ensure: Effect.Effect<Generation>
  /** SIGKILL (timeout: Lambda does not wait), then wait for the exit. */
  readonly kill: (generation: Generation) => Effect.Effect<void>
  /** SIGTERM, SIGKILL after the grace period (`stopGrace` unless given), then wait for the exit. */
  readonly stop: (generation: Generation, grace?: Duration.Duration) => Effect.Effect<void>
  /** Peak memory of the generation's process tree, in kB; the last reading once it is gone. */
  readonly peakKb: (generation: Generation) => Effect.Effect<number | undefined>
  /**
   * Waits until the output pipes are quiet for an event-loop turn, so that what the function
   * printed before answering is forwarded before the END line (bounded to a few turns).
   */
  readonly drainLogs: Effect.Effect<void>
}

/** Output without a newline goes out as a line once the pipe has been quiet this long. */
const partialLineQuietMillis = 500

/**
 * Forwards a pipe's text line by line. Linear in the output: each chunk is scanned once, and a
 * line that arrives in many chunks is joined once. Text without its newline yet is forwarded
 * when the pipe stays quiet (or at `flush`), not held until a newline that may never come.
 */
export const forwardLines = (stream: Readable, onLog: (line: string) => void, onData: () => void) => {
  const decoder = new StringDecoder("utf8")
  let pieces: Array<string> = []
  let timer: ReturnType<typeof setTimeout> | undefined = undefined
  const line = (text: string) => onLog(text.endsWith("\r") ? text.slice(0, -1) : text)
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (pieces.length === 0) return
    const text = pieces.join("")
    pieces = []
    if (text !== "") line(text)
  }
  const emit = (text: string) => {
    let start = 0
    let index = text.indexOf("\n")
    while (index >= 0) {
      const piece = text.slice(start, index)
      if (pieces.length === 0) {
        line(piece)
      } else {
        pieces.push(piece)
        const joined = pieces.join("")
        pieces = []
        line(joined)
      }
      start = index + 1
      index = text.indexOf("\n", start)
    }
    if (start < text.length) pieces.push(text.slice(start))
    if (timer !== undefined) clearTimeout(timer)
    timer = pieces.length === 0 ? undefined : setTimeout(flush, partialLineQuietMillis)
  }
  stream.on("data", (chunk: Buffer) => {
    onData()
    emit(decoder.write(chunk))
  })
  stream.on("end", () => {
    emit(decoder.end())
    flush()
  })
  return flush
}

/**
 * Signals a child spawned `detached` (its own process group) and all it started; the child alone
 * when the group is gone. Shared by the runtime's supervisor and the extensions host: both spawn
 * their processes this way.
 */
export const signalGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

/**
 * Spawns `path` in its own process group (so that signalGroup reaches all it starts), stdout and
 * stderr piped. A dying emulator (uncaught error, process.exit) must not leave it behind: the group
 * is killed on the emulator's exit until `release` (once the child exited). The runtime's
 * supervisor and the extensions host spawn their processes this way.
 */
export const spawnGroup = (path: string, cwd: string | undefined, env: NodeJS.ProcessEnv) => {
  const child = ChildProcess.spawn(path, [], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
  const onParentExit = () => child.pid !== undefined && signalGroup(child.pid, "SIGKILL")
  process.on("exit", onParentExit)
  return { child, release: () => process.off("exit", onParentExit) }
}

export const make = (
  options: SupervisorOptions,
  current: Ref.Ref<Generation | undefined>
): Effect.Effect<Supervisor> =>
  Effect.gen(function*() {
    const counter = yield* Ref.make(0)
    const lastPeak = new Map<number, number>()
    let received = 0
    const onData = () => {
      received++
    }
    // Flushers of the live generation's pipes.
    let flushers: ReadonlyArray<() => void> = []
    const turn = Effect.async<void>((resume) => {
      const handle = setImmediate(() => resume(Effect.void))
      return Effect.sync(() => clearImmediate(handle))
    })
    const drainLogs = Effect.gen(function*() {
      for (let i = 0; i < 5; i++) {
        const before = received
        yield* turn
        yield* turn
        if (received === before) break
      }
      for (const flush of flushers) flush()
    })

    const spawn = Effect.gen(function*() {
      const id = yield* Ref.updateAndGet(counter, (n) => n + 1)
      const spawnedAt = options.initStartedAt?.() ?? performance.now()
      const { child, release } = spawnGroup(options.bootstrap, options.cwd, options.env)
      const generation = yield* makeGeneration(id, child.pid, spawnedAt)
      const settle = (code: number | null, signal: string | null) => {
        release()
        Deferred.unsafeDone(generation.exited, Effect.succeed({ code, signal }))
      }
      child.on("exit", settle)
      child.on("error", (error: NodeJS.ErrnoException) => {
        options.onLog(`effect-lambda: cannot start ${options.bootstrap}: ${error.message}`)
        settle(127, null)
      })
      flushers = [forwardLines(child.stdout, options.onLog, onData), forwardLines(child.stderr, options.onLog, onData)]
      yield* Ref.set(current, generation)
      return generation
    })

    const ensure = Effect.gen(function*() {
      const generation = yield* Ref.get(current)
      if (generation === undefined) return yield* spawn
      if (!(yield* Deferred.isDone(generation.exited))) return generation
      // The bootstrap is gone, but a process it started without `exec` may live on in its group,
      // still polling `next`: it must not compete with the new runtime.
      if (generation.pid !== undefined) signalGroup(generation.pid, "SIGKILL")
      return yield* spawn
    })

    const sample = (generation: Generation) =>
      Effect.sync(() => {
        if (generation.pid === undefined) return undefined
        const kb = memory.peakKb(generation.pid)
        if (kb !== undefined) lastPeak.set(generation.id, Math.max(kb, lastPeak.get(generation.id) ?? 0))
        return lastPeak.get(generation.id)
      })

    const signal = (generation: Generation, sig: NodeJS.Signals) =>
      Effect.sync(() => generation.pid !== undefined && signalGroup(generation.pid, sig))

    /** Until no live process is left in the generation's group, at most `millis`. */
    const awaitGroupGone = (generation: Generation, millis: number) =>
      Effect.gen(function*() {
        if (generation.pid === undefined) return true
        const deadline = performance.now() + millis
        while (memory.groupAlive(generation.pid)) {
          if (performance.now() >= deadline) return false
          yield* Effect.sleep(Duration.millis(20))
        }
        return true
      })

    const kill = (generation: Generation) =>
      Effect.gen(function*() {
        yield* sample(generation)
        yield* signal(generation, "SIGKILL")
        yield* Deferred.await(generation.exited)
        yield* awaitGroupGone(generation, 1000)
      })

    // The bootstrap exiting is not enough: a process it started without `exec` (a shell script
    // running node) gets the SIGTERM too and may still be finishing its shutdown.
    const stop = (generation: Generation, grace: Duration.Duration = options.stopGrace) =>
      Effect.gen(function*() {
        if (
          (yield* Deferred.isDone(generation.exited)) && generation.pid !== undefined &&
          !memory.groupAlive(generation.pid)
        ) {
          return
        }
        const started = performance.now()
        yield* signal(generation, "SIGTERM")
        // interruptible: this runs in finalizers, where a timeout could not cut an uninterruptible wait
        const exited = yield* Effect.interruptible(Deferred.await(generation.exited)).pipe(
          Effect.timeout(grace),
          Effect.option
        )
        const left = Math.max(0, Duration.toMillis(grace) - (performance.now() - started))
        if (exited._tag === "None" || !(yield* awaitGroupGone(generation, left))) yield* kill(generation)
      })

    return { ensure, kill, stop, peakKb: sample, drainLogs }
  })
