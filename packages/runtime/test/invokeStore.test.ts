// The runtimes and @aws/lambda-invoke-store: a function reading the current invocation through
// its own copy of the package (as Powertools and the AWS SDK do) sees the invocation it runs for,
// also with AWS_LAMBDA_MAX_CONCURRENCY and two invocations in flight at once. The drop-in runner
// (a plain function) and LambdaRuntime.runMain (an Effect handler) are bundled as the CLI ships
// them and run in their own process against a fake Runtime API on 127.0.0.1.
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { bundle, bundleRunner } from "./utils/bundleRunner.js"
import * as FakeRuntimeApi from "./utils/FakeRuntimeApi.js"

const here = dirname(fileURLToPath(import.meta.url))
const work = mkdtempSync(join(tmpdir(), "invoke-store-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const packagePath = createRequire(import.meta.url).resolve("@aws/lambda-invoke-store")

let bundled: Promise<string> | undefined
const runner = () => bundled ??= bundleRunner(join(work, "runner.mjs"))

// An Effect function: the same checks from a handler's fiber, after it was suspended and resumed
// (by the other invocation), and inside a promise it starts, as an SDK call would be.
const effectEntry = `
import { Handler, LambdaContext, LambdaRuntime } from ${JSON.stringify(join(here, "../src/index.ts"))}
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createRequire } from "node:module"

// its own copy, loaded apart from the runtime's bundled one (a variable path: not bundled)
const { InvokeStore } = createRequire(import.meta.url)(process.env.INVOKE_STORE_PATH)
const expected = Number(process.env.EXPECTED)
let arrived = 0
const allIn = Deferred.unsafeMake(undefined)
const handler = Handler.make({
  handle: () =>
    Effect.gen(function*() {
      // a timer set in the handler's first synchronous stretch, firing once the other is in flight
      setTimeout(() => console.warn("from an early timer"), 1)
      if (++arrived === expected) yield* Deferred.succeed(allIn, undefined)
      yield* Deferred.await(allIn)
      yield* Effect.sleep("5 millis")
      // a console call from a timer: no fiber runs it, only the async context knows the invocation
      yield* Effect.promise(() =>
        new Promise((resolve) =>
          setTimeout(() => {
            console.warn("from a timer")
            resolve()
          }, 1)
        )
      )
      const store = yield* Effect.promise(() => InvokeStore.getInstanceAsync())
      const inFiber = store.getRequestId()
      const inPromise = yield* Effect.promise(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        return store.getRequestId()
      })
      const ctx = yield* LambdaContext.LambdaContext
      return {
        awsRequestId: ctx.requestId,
        requestId: inFiber === inPromise ? inFiber : \`fiber \${inFiber}, promise \${inPromise}\`,
        traceId: store.getXRayTraceId(),
        tenantId: store.getTenantId() ?? null,
        published: store === globalThis.awslambda.InvokeStore
      }
    })
})
LambdaRuntime.runMain(handler, Layer.empty, { gracefulShutdown: false, sourceMaps: false })
`

let effectBundled: Promise<string> | undefined
const effectRunner = () =>
  effectBundled ??= bundle({ contents: effectEntry, resolveDir: here, outfile: join(work, "effect.mjs") })

// The function: its own `require` of the package; each invocation waits until `expected` are in
// flight, so with several at once their stores would clash if the runner shared one context.
const handlerSource = (expected: number) => `
const { InvokeStore } = require(${JSON.stringify(packagePath)})
let arrived = 0
let release
const allIn = new Promise((resolve) => { release = resolve })
exports.handler = async (event, context) => {
  const store = await InvokeStore.getInstanceAsync()
  if (++arrived === ${expected}) release()
  await allIn
  await new Promise((resolve) => setTimeout(resolve, 5))
  console.log("done")
  await new Promise((resolve) => setTimeout(() => { console.warn("from a timer"); resolve() }, 1))
  return {
    awsRequestId: context.awsRequestId,
    requestId: store.getRequestId(),
    traceId: store.getXRayTraceId(),
    tenantId: store.getTenantId() ?? null,
    published: store === globalThis.awslambda.InvokeStore
  }
}
`

interface Served {
  readonly responses: ReadonlyArray<{ readonly url: string; readonly body: unknown }>
  readonly stdout: string
}

// Serves `invocations` (request id, trace id, tenant id) to a fresh runner process, then waits
// for one response each.
const serve = (
  invocations: ReadonlyArray<readonly [string, string, string | undefined]>,
  env: Readonly<Record<string, string>>,
  bundle: () => Promise<string> = runner
) =>
  Effect.gen(function*() {
    const entry = yield* Effect.promise(bundle)
    const taskRoot = mkdtempSync(join(work, "fn-"))
    writeFileSync(join(taskRoot, "index.js"), handlerSource(invocations.length))
    const done = yield* Deferred.make<void>()
    const responses: Array<{ url: string; body: unknown }> = []
    let handedOut = 0
    const api = yield* FakeRuntimeApi.make((request, res) => {
      if (request.url.endsWith("/invocation/next")) {
        const invocation = invocations[handedOut++]
        // Later `next`s stay pending: the process is killed when the test is done.
        if (invocation === undefined) return
        const [requestId, traceId, tenantId] = invocation
        const headers = FakeRuntimeApi.invocationHeaders(requestId, {
          "lambda-runtime-trace-id": traceId,
          ...(tenantId === undefined ? {} : { "lambda-runtime-aws-tenant-id": tenantId })
        })
        return FakeRuntimeApi.json(res, 200, { n: handedOut }, headers)
      }
      if (!request.url.includes("/invocation/")) return FakeRuntimeApi.json(res, 404, { errorType: "NotFound" })
      responses.push({ url: request.url, body: JSON.parse(request.body.toString("utf8")) })
      FakeRuntimeApi.json(res, 202, { status: "OK" })
      if (responses.length === invocations.length) Deferred.unsafeDone(done, Effect.void)
    })
    let stdout = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [entry], {
          env: {
            PATH: process.env.PATH ?? "",
            AWS_LAMBDA_RUNTIME_API: api.address,
            _HANDLER: "index.handler",
            LAMBDA_TASK_ROOT: taskRoot,
            AWS_LAMBDA_FUNCTION_NAME: "fn",
            AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
            AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/fn",
            AWS_LAMBDA_LOG_STREAM_NAME: "stream",
            AWS_REGION: "us-east-1",
            INVOKE_STORE_PATH: packagePath,
            EXPECTED: String(invocations.length),
            ...env
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child: ChildProcess) => Effect.sync(() => child.kill("SIGKILL"))
    )
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
    })
    let stderr = ""
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
    })
    child.on(
      "exit",
      (code) => Deferred.unsafeDone(done, Effect.die(new Error(`runner exited with ${code}: ${stderr}`)))
    )
    yield* Deferred.await(done)
    return { responses, stdout } satisfies Served
  })

const TRACE_A = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
const TRACE_B = "Root=1-5759e988-aaaaaaaaaaaaaaaaaaaaaaaa;Parent=1111111111111111;Sampled=0"

/** What the two concurrent invocations (req-a, req-b) answered: each its own request id, trace and tenant. */
const expectEachReadItsOwn = (responses: ReadonlyArray<{ readonly url: string; readonly body: unknown }>) => {
  const byId = Object.fromEntries(responses.map((r) => [r.url.split("/")[4], r.body]))
  expect(byId).toEqual({
    "req-a": { awsRequestId: "req-a", requestId: "req-a", traceId: TRACE_A, tenantId: null, published: true },
    "req-b": { awsRequestId: "req-b", requestId: "req-b", traceId: TRACE_B, tenantId: "tenant-b", published: true }
  })
}

describe("the runtimes and @aws/lambda-invoke-store", () => {
  it.scopedLive(
    "the function's own copy of the package finds the runner's store, with the invocation in it",
    () =>
      Effect.gen(function*() {
        const { responses } = yield* serve([["req-1", TRACE_A, "tenant-7"]], {})
        expect(responses).toEqual([{
          url: "/2018-06-01/runtime/invocation/req-1/response",
          body: { awsRequestId: "req-1", requestId: "req-1", traceId: TRACE_A, tenantId: "tenant-7", published: true }
        }])
      }),
    120_000
  )

  it.scopedLive(
    "with AWS_LAMBDA_MAX_CONCURRENCY, invocations in flight at once each read their own",
    () =>
      Effect.gen(function*() {
        const { responses, stdout } = yield* serve(
          [["req-a", TRACE_A, undefined], ["req-b", TRACE_B, "tenant-b"]],
          { AWS_LAMBDA_MAX_CONCURRENCY: "2" }
        )
        expectEachReadItsOwn(responses)
        // console lines carry the request id of the invocation that wrote them
        const lines = stdout.split("\n").filter((line) => line.endsWith("\tINFO\tdone"))
        expect(lines.map((line) => line.split("\t")[1]).sort()).toEqual(["req-a", "req-b"])
      }),
    120_000
  )

  it.scopedLive(
    "LambdaRuntime: an Effect handler's fibers and the promises they start read their own invocation",
    () =>
      Effect.gen(function*() {
        const { responses } = yield* serve(
          [["req-a", TRACE_A, undefined], ["req-b", TRACE_B, "tenant-b"]],
          { AWS_LAMBDA_MAX_CONCURRENCY: "2" },
          effectRunner
        )
        expectEachReadItsOwn(responses)
      }),
    120_000
  )

  // A console call from a timer runs outside any fiber and after the handler's synchronous part:
  // only the async context tells which invocation it belongs to. Each of two invocations in
  // flight at once logs with its own request id (and tenant id in JSON), in both formats.
  const timerLines = (stdout: string, json: boolean) =>
    stdout.split("\n").filter((line) => line.includes("from a")).map((line) => {
      if (!json) {
        const [, requestId, level, message] = line.split("\t")
        return { requestId, level, message }
      }
      const { level, message, requestId, tenantId } = JSON.parse(line)
      return tenantId === undefined ? { requestId, level, message } : { requestId, tenantId, level, message }
    }).sort((a, b) => `${a.requestId} ${a.message}`.localeCompare(`${b.requestId} ${b.message}`))

  for (const [runnerName, bundleOf] of [["the drop-in runner", runner], ["LambdaRuntime", effectRunner]] as const) {
    for (const format of ["Text", "JSON"] as const) {
      it.scopedLive(
        `${runnerName}, ${format}: console calls from timers of concurrent invocations carry their own request id`,
        () =>
          Effect.gen(function*() {
            const { stdout } = yield* serve(
              [["req-a", TRACE_A, undefined], ["req-b", TRACE_B, "tenant-b"]],
              { AWS_LAMBDA_MAX_CONCURRENCY: "2", AWS_LAMBDA_LOG_FORMAT: format },
              bundleOf
            )
            const json = format === "JSON"
            const line = (requestId: string, message: string) =>
              json && requestId === "req-b"
                ? { requestId, tenantId: "tenant-b", level: "WARN", message }
                : { requestId, level: "WARN", message }
            const messages = runnerName === "LambdaRuntime" ? ["from a timer", "from an early timer"] : ["from a timer"]
            expect(timerLines(stdout, json)).toEqual(
              ["req-a", "req-b"].flatMap((id) => messages.map((message) => line(id, message)))
            )
          }),
        120_000
      )
    }
  }
})
