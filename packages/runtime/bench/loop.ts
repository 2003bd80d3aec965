/**
 * Per-invocation cost of the runtime itself, in process: the real `LambdaRuntime.run` loop on an
 * in-memory Runtime API whose `next` answers at once, so no network and no waiting is measured,
 * only what the runtime does around a handler (decode, context, fiber, deadline timer, report).
 *
 *   pnpm bench   (in packages/runtime)
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Handler from "../src/Handler.js"
import * as Invocation from "../src/Invocation.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import * as RuntimeApi from "../src/RuntimeApi.js"

const N = Number(process.env.N ?? 50_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)

const body = new TextEncoder().encode(JSON.stringify({ name: "world", padding: "x".repeat(900) }))
const headers = (i: number) => ({
  "lambda-runtime-aws-request-id": `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
  "lambda-runtime-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
  "content-type": "application/json"
})

class Greeting extends Schema.Class<Greeting>("Greeting")({ name: Schema.String }) {}

const cases: Record<string, Handler.Handler.Any> = {
  "hello (Schema event)": Handler.make({
    event: Greeting,
    handle: (e) => Effect.succeed({ message: `hello ${e.name}` })
  }),
  "no schema": Handler.make({ handle: () => Effect.succeed({ message: "hello" }) })
}

/** Runs `n` invocations through the real loop; resolves with the CPU ms it took. */
const loopRun = (handler: Handler.Handler.Any, n: number) =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    let issued = 0
    let answered = 0
    const api: RuntimeApi.RuntimeApiShape = {
      next: Effect.suspend(() => {
        if (issued === n) return Effect.never
        const decoded = Invocation.decode(headers(issued++), body)
        return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.die(decoded.left)
      }),
      respond: () => Effect.suspend(() => (++answered === n ? Deferred.succeed(done, void 0) : Effect.void)),
      respondStream: () => Effect.die("unused"),
      fail: (_id, report) => Effect.die(new Error(`unexpected error report ${report.header}: ${report.errorMessage}`)),
      initError: (report) => Effect.die(new Error(`init failed: ${report.errorMessage}`))
    }
    const start = cpuMs()
    const fiber = yield* LambdaRuntime.run(handler, Layer.empty).pipe(
      Effect.provideService(RuntimeApi.RuntimeApi, api),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(new Map([["AWS_LAMBDA_RUNTIME_API", "bench"], ["AWS_LAMBDA_LOG_LEVEL", "ERROR"]]))
      ),
      Effect.fork
    )
    yield* Deferred.await(done)
    const elapsed = cpuMs() - start
    yield* fiber.interruptAsFork(fiber.id())
    return elapsed
  })

/** The handler's own work (decode -> handle -> encode) in a plain Effect loop, without the runtime. */
const bareRun = (handler: Handler.Handler.Any, n: number) =>
  Effect.gen(function*() {
    const invocations = Array.from({ length: n }, (_, i) => Either.getOrThrow(Invocation.decode(headers(i), body)))
    const start = cpuMs()
    for (const invocation of invocations) {
      const event = yield* handler.decode(invocation)
      const result = yield* (handler.handle(event) as Effect.Effect<unknown, unknown>)
      yield* handler.encode(result)
    }
    return cpuMs() - start
  })

// CPU time of this process, not wall time: steadier when other work shares the machine.
const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1000
}

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const main = Effect.gen(function*() {
  console.log(
    `runtime loop overhead, in process (CPU time): N = ${N}, median of ${ROUNDS} rounds (after one warm-up), node ${process.version}`
  )
  console.log("| case | loop us/inv | handler alone us/inv | runtime overhead us/inv |")
  console.log("| --- | ---: | ---: | ---: |")
  for (const [name, handler] of Object.entries(cases)) {
    yield* loopRun(handler, 5_000)
    yield* bareRun(handler, 5_000)
    const loop: Array<number> = []
    const bare: Array<number> = []
    for (let r = 0; r < ROUNDS; r++) {
      loop.push(((yield* loopRun(handler, N)) * 1000) / N)
      bare.push(((yield* bareRun(handler, N)) * 1000) / N)
    }
    const l = median(loop)
    const b = median(bare)
    console.log(`| ${name} | ${l.toFixed(1)} | ${b.toFixed(1)} | ${(l - b).toFixed(1)} |`)
  }
})

Effect.runPromise(main as Effect.Effect<void>).catch((error) => {
  console.error(error)
  process.exit(1)
})
