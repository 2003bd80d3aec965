import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as esbuild from "esbuild"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Handler from "../src/Handler.js"
import * as InvocationHooks from "../src/InvocationHooks.js"

const awsContext = (overrides: Partial<Handler.AwsContext> = {}): Handler.AwsContext => ({
  awsRequestId: "req-1",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
  functionName: "f",
  functionVersion: "$LATEST",
  memoryLimitInMB: "256",
  logGroupName: "/aws/lambda/f",
  logStreamName: "stream",
  getRemainingTimeInMillis: () => 10_000,
  ...overrides
})

// toAsync reads FunctionConfig from the environment, as it would inside Lambda.
process.env.AWS_LAMBDA_RUNTIME_API ??= "127.0.0.1:9001"

describe("Handler.fromAsync", () => {
  it.effect("runs a plain async function with AWS's context object", () =>
    Effect.gen(function*() {
      const handler = Handler.fromAsync(async (event: { name: string }, context) => ({
        message: `hello ${event.name}`,
        requestId: context.awsRequestId,
        memory: context.memoryLimitInMB,
        remainingIsNumber: typeof context.getRemainingTimeInMillis() === "number"
      }))
      const result = yield* LambdaTest.invoke(handler, { name: "world" }, {
        env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" }
      })
      expect(result._tag).toBe("Response")
      if (result._tag !== "Response") return
      expect(result.json).toEqual({
        message: "hello world",
        requestId: result.requestId,
        memory: "512",
        remainingIsNumber: true
      })
    }))

  it.effect("a thrown error is the failure, reported under the user's own name", () =>
    Effect.gen(function*() {
      class OrderRejected extends Error {
        override name = "OrderRejected"
      }
      const rejects = Handler.fromAsync(async () => {
        throw new OrderRejected("out of stock")
      })
      const syncThrow = Handler.fromAsync(() => {
        throw new RangeError("sync")
      })
      const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }
      const a = yield* LambdaTest.invoke(rejects, {}, quiet)
      const b = yield* LambdaTest.invoke(syncThrow, {}, quiet)
      expect(a).toMatchObject({ _tag: "Error", body: { errorType: "OrderRejected", errorMessage: "out of stock" } })
      expect(b).toMatchObject({ _tag: "Error", body: { errorType: "RangeError", errorMessage: "sync" } })
    }))
})

class Counter extends Context.Tag("test/Counter")<Counter, { readonly next: () => number }>() {}

describe("Handler.toAsync", () => {
  it("builds the layer once and serves many invocations", async () => {
    let builds = 0
    const counter = Layer.sync(Counter, () => {
      builds++
      let n = 0
      return { next: () => ++n }
    })
    const handler = Handler.make({
      event: Schema.Struct({ add: Schema.Number }),
      handle: (event) => Effect.map(Counter, (c) => ({ count: c.next(), add: event.add }))
    })
    const fn = Handler.toAsync(handler, counter)
    expect(await fn({ add: 1 }, awsContext())).toEqual({ count: 1, add: 1 })
    expect(await fn({ add: 2 }, awsContext({ awsRequestId: "req-2" }))).toEqual({ count: 2, add: 2 })
    expect(builds).toBe(1)
  })

  it("runs the hooks the layer registered around every invocation (InvocationHooks)", async () => {
    const seen: Array<string> = []
    const hooks = InvocationHooks.layer({
      onStart: (ctx) => Effect.sync(() => seen.push(`start ${ctx.requestId}`)),
      onEnd: (ctx, exit) => Effect.sync(() => seen.push(`end ${ctx.requestId} ${exit._tag}`))
    })
    const handler = Handler.make({
      handle: (event) => event === "fail" ? Effect.fail("nope") : Effect.sync(() => seen.push("handler"))
    })
    const fn = Handler.toAsync(handler, hooks)
    await fn("ok", awsContext())
    await expect(fn("fail", awsContext({ awsRequestId: "req-2" }))).rejects.toThrow()
    expect(seen).toEqual(["start req-1", "handler", "end req-1 Success", "start req-2", "end req-2 Failure"])
  })

  it("gives the Effect handler its LambdaContext from AWS's context", async () => {
    const handler = Handler.make({
      handle: () =>
        Effect.gen(function*() {
          const { LambdaContext } = yield* Effect.promise(() => import("../src/LambdaContext.js"))
          const ctx = yield* LambdaContext
          return { requestId: ctx.requestId, arn: ctx.invokedFunctionArn, tenant: ctx.tenantId ?? null }
        })
    })
    const fn = Handler.toAsync(handler, Layer.empty)
    expect(await fn({}, awsContext({ tenantId: "t-1" }))).toEqual({
      requestId: "req-1",
      arn: "arn:aws:lambda:us-east-1:123456789012:function:f",
      tenant: "t-1"
    })
  })

  it("rejects with the report the Effect runtime would send", async () => {
    class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { message: Schema.String }) {}
    const handler = Handler.make({
      event: Schema.Struct({ id: Schema.String }),
      handle: (event) => Effect.fail(new NotFound({ message: `no order ${event.id}` }))
    })
    const fn = Handler.toAsync(handler, Layer.empty)
    await expect(fn({ id: "o-1" }, awsContext())).rejects.toMatchObject({ name: "NotFound", message: "no order o-1" })
    // The event Schema refuses it: the same InvalidEvent as under the Effect runtime.
    await expect(fn({ id: 7 }, awsContext())).rejects.toMatchObject({ name: "ParseError" })
  })

  it("a layer that fails at init rejects every invocation with its error", async () => {
    const failing = Layer.fail(new Error("no database"))
    const fn = Handler.toAsync(Handler.make({ handle: () => Effect.succeed(1) }), failing)
    await expect(fn({}, awsContext())).rejects.toMatchObject({ message: "no database" })
  })
})

describe("Handler.toAsync shutdown", () => {
  it("runs the layer's finalizers on SIGTERM and exits 0", async () => {
    const here = dirname(fileURLToPath(import.meta.url))
    const dir = mkdtempSync(join(tmpdir(), "toasync-"))
    try {
      const file = join(dir, "fn.mjs")
      await esbuild.build({
        stdin: {
          contents: `
import { Effect, Layer } from "effect"
import * as Handler from ${JSON.stringify(join(here, "../src/Handler.ts"))}
const resource = Layer.scopedDiscard(Effect.acquireRelease(
  Effect.sync(() => console.log("acquired")),
  () => Effect.sync(() => console.log("released"))
))
const fn = Handler.toAsync(Handler.make({ handle: () => Effect.succeed("ok") }), resource)
const result = await fn({}, { awsRequestId: "r", invokedFunctionArn: "a", functionName: "f", functionVersion: "1",
  memoryLimitInMB: "128", logGroupName: "g", logStreamName: "s", getRemainingTimeInMillis: () => 1000 })
console.log("result " + result)
setInterval(() => {}, 1000)
`,
          resolveDir: here,
          loader: "ts"
        },
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: file,
        logLevel: "warning"
      })
      const child = spawn(process.execPath, [file], {
        env: { PATH: process.env.PATH ?? "", AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let sent = false
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString()
        if (!sent && out.includes("result ok")) {
          sent = true
          child.kill("SIGTERM")
        }
      })
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
      expect(out.split("\n").filter((l) => l !== "")).toEqual(["acquired", "result ok", "released"])
      expect(code).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
