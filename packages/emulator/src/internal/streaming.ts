/**
 * Streamed responses passed through as they arrive: the Runtime API side reads the runtime's
 * chunked POST piece by piece (size limit, bandwidth shape, error trailers) into a channel, and
 * the invoker side (InvokeWithResponseStream, the Function URL front) pulls from it.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import { EmulatorStopped } from "../EmulatorError.js"
import * as model from "./model.js"

class Truncated {
  readonly _tag = "Truncated"
}

/**
 * Pull-based reading of a request body with backpressure: the request is paused while bytes
 * wait to be taken, and a pull takes everything buffered at once (chunk boundaries carry no
 * meaning in a streamed response). `cut` makes the pending and later pulls fail; `detach` leaves
 * the rest to node (which discards it), so that an answer can still be written on the connection.
 */
const highWaterMark = 64 * 1024

const reader = (req: Http.IncomingMessage) => {
  const buffered: Array<Buffer> = []
  let bufferedBytes = 0
  let ended = false
  let failed = false
  let wake: (() => void) | undefined
  const notify = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  const onData = (chunk: Buffer) => {
    buffered.push(chunk)
    bufferedBytes += chunk.length
    // Pausing on every chunk would hand them over one by one; a high-water mark batches them.
    if (bufferedBytes >= highWaterMark) req.pause()
    notify()
  }
  const onEnd = () => {
    ended = true
    notify()
  }
  const onAbort = () => {
    if (req.complete) return
    failed = true
    notify()
  }
  req.on("data", onData)
  req.on("end", onEnd)
  req.on("error", onAbort)
  req.on("close", onAbort)
  const pull: Effect.Effect<Uint8Array | undefined, Truncated> = Effect.async((resume) => {
    const check = (): boolean => {
      if (failed) {
        resume(Effect.fail(new Truncated()))
        return true
      }
      if (buffered.length > 0) {
        const bytes = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered)
        buffered.length = 0
        bufferedBytes = 0
        req.resume()
        resume(Effect.succeed(bytes))
        return true
      }
      if (ended) {
        resume(Effect.succeed(undefined))
        return true
      }
      return false
    }
    if (check()) return
    wake = () => void check()
    req.resume()
    return Effect.sync(() => {
      wake = undefined
    })
  })
  const cut = () => {
    failed = true
    notify()
  }
  const detach = () => {
    req.off("data", onData)
    req.off("end", onEnd)
    req.off("error", onAbort)
    req.off("close", onAbort)
    buffered.length = 0
    req.resume()
  }
  return { pull, cut, detach }
}

/** What the Runtime API answers the runtime's streamed POST. */
export type ReceiveAnswer = "accepted" | "tooLarge" | "truncated" | "cut"

/**
 * Reads a streamed response into the invocation's channel as it arrives. The invocation's
 * outcome is settled when the body ends: a function error when error trailers came, the size
 * limit error past `limits.maxResponseBytes` (the invoker's stream ends there; the runtime gets
 * 413), a truncated response when the runtime's connection broke. When the invoker leaves, the
 * runtime's POST is cut.
 *
 * The hot path is one pull and one offer per batch of bytes: no race per chunk (each costs
 * fibers), the invoker leaving is seen through a watcher and the queue's shutdown instead.
 */
export const receive = (
  limits: model.Limits,
  invocation: model.Invocation,
  channel: model.Channel,
  req: Http.IncomingMessage,
  contentType: string,
  errorOutcome: (trailers: Readonly<Record<string, string | undefined>>) => model.Outcome | undefined
): Effect.Effect<ReceiveAnswer> =>
  Effect.gen(function*() {
    yield* Deferred.succeed(channel.opened, contentType)
    const { cut, detach, pull } = reader(req)
    let invokerGone = false
    // Runs interruptibly: the route itself is uninterruptible.
    const watcher = yield* Effect.forkDaemon(Effect.interruptible(
      Deferred.await(channel.closed).pipe(Effect.zipRight(Effect.sync(() => {
        invokerGone = true
        cut()
      })))
    ))
    const settle = (outcome: model.Outcome) => Deferred.succeed(invocation.result, outcome)
    /** false when the invoker left (the queue is shut down). */
    const offer = (item: Uint8Array | undefined) =>
      Queue.offer(channel.chunks, item).pipe(Effect.exit, Effect.map(Exit.isSuccess))
    const leave = Effect.gen(function*() {
      // The invoker is gone: cut the runtime's POST, as Lambda does, and end the invocation.
      detach()
      req.socket.destroy()
      yield* settle(model.success(new Uint8Array(0), contentType))
      return "cut" as const
    })
    let size = 0
    let overBurstAt: number | undefined = undefined
    const loop = Effect.gen(function*() {
      while (true) {
        const next = yield* Effect.either(pull)
        if (invokerGone) return yield* leave
        if (next._tag === "Left") {
          detach()
          yield* offer(undefined)
          yield* settle(model.truncatedResponse)
          return "truncated" as const
        }
        const chunk = next.right
        if (chunk === undefined) {
          detach()
          yield* offer(undefined)
          yield* settle(errorOutcome(req.trailers) ?? model.success(new Uint8Array(0), contentType))
          return "accepted" as const
        }
        size += chunk.length
        if (size > limits.maxResponseBytes) {
          detach()
          // The invoker gets every byte up to the limit, then the error.
          const fits = chunk.subarray(0, chunk.length - (size - limits.maxResponseBytes))
          if (fits.length > 0) yield* offer(fits)
          yield* offer(undefined)
          yield* settle(model.responseTooLarge(size, limits.maxResponseBytes))
          return "tooLarge" as const
        }
        const bandwidth = limits.bandwidth
        if (bandwidth !== undefined && size > bandwidth.burstBytes) {
          const now = performance.now()
          overBurstAt ??= now
          const due = overBurstAt + ((size - bandwidth.burstBytes) / bandwidth.bytesPerSecond) * 1000
          if (due - now >= 1) yield* Effect.sleep(Duration.millis(due - now))
        }
        if (!(yield* offer(chunk))) return yield* leave
      }
    })
    return yield* loop.pipe(Effect.ensuring(Fiber.interrupt(watcher)))
  })

/** How a streaming invoker gets its answer. */
export type Answer =
  | {
    /** The runtime answered in one piece (a buffered response or an error), or never started. */
    readonly _tag: "Buffered"
    readonly finished: model.Finished
  }
  | {
    readonly _tag: "Streamed"
    readonly contentType: string
    /** Everything that arrived since the last pull (waits for something); `undefined` once the body ended. */
    readonly pull: Effect.Effect<Uint8Array | undefined>
    /** The invoker stops reading: the runtime's POST is cut if it is still sending. */
    readonly close: Effect.Effect<void>
    /** The invocation's outcome and log, once END and REPORT are out. */
    readonly finished: Effect.Effect<model.Finished, EmulatorStopped>
  }

/**
 * The Runtime API's routes and the Function URL app run uninterruptibly, and a race's loser
 * inherits that: make both sides interruptible so the loser can be stopped.
 */
const race = <A, B, E1, E2>(a: Effect.Effect<A, E1>, b: Effect.Effect<B, E2>): Effect.Effect<A | B, E1 | E2> =>
  Effect.raceFirst(Effect.interruptible(a), Effect.interruptible(b))

/**
 * Waits for the runtime to start answering an invocation that has a channel.
 */
export const answer = (
  invocation: model.Invocation,
  channel: model.Channel,
  stopped: Deferred.Deferred<void>
): Effect.Effect<Answer, EmulatorStopped> => {
  const stoppedFail = Deferred.await(stopped).pipe(Effect.flatMap(() => new EmulatorStopped()))
  const finished = race(Deferred.await(invocation.done), stoppedFail)
  const close = Effect.zipRight(Deferred.succeed(channel.closed, undefined), Queue.shutdown(channel.chunks))
  let ended = false
  const pull: Effect.Effect<Uint8Array | undefined> = Effect.suspend(() => {
    if (ended) return Effect.succeed(undefined)
    return Queue.takeBetween(channel.chunks, 1, Number.MAX_SAFE_INTEGER).pipe(
      Effect.map((items) => {
        const bytes: Array<Uint8Array> = []
        for (const item of items) {
          if (item === undefined) {
            ended = true
            break
          }
          bytes.push(item)
        }
        if (bytes.length === 0) return undefined
        return bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes)
      }),
      // the queue was shut down by `close`
      Effect.catchAllCause(() => Effect.succeed(undefined))
    )
  })
  const streamed = (contentType: string) =>
    Effect.gen(function*() {
      // Once the outcome is known without the body having ended (a timeout, a crash), an end
      // marker goes in after what is queued: nothing more is waited for.
      const watcher = yield* Effect.forkDaemon(Effect.interruptible(
        race(Deferred.await(invocation.done), Deferred.await(stopped)).pipe(
          Effect.zipRight(Queue.offer(channel.chunks, undefined))
        )
      ))
      const answer: Answer = {
        _tag: "Streamed",
        contentType,
        pull,
        close: Effect.zipRight(close, Fiber.interrupt(watcher)),
        finished
      }
      return answer
    })
  return race(
    Effect.flatMap(Deferred.await(channel.opened), streamed),
    finished.pipe(Effect.map((done): Answer => ({ _tag: "Buffered", finished: done })))
  )
}

/** The rest of a streamed body, from `pull`, closing the channel however the stream ends. */
export const body = (
  streamed: Extract<Answer, { _tag: "Streamed" }>,
  first?: Uint8Array
): Stream.Stream<Uint8Array> =>
  Stream.concat(
    first === undefined || first.length === 0 ? Stream.empty : Stream.succeed(first),
    Stream.repeatEffectOption(
      Effect.flatMap(streamed.pull, (chunk) => chunk === undefined ? Effect.fail(Option.none()) : Effect.succeed(chunk))
    )
  ).pipe(Stream.ensuring(streamed.close))
