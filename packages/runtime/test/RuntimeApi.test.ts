import { beforeAll, describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ErrorReport from "../src/ErrorReport.js"
import * as RuntimeApi from "../src/RuntimeApi.js"
import * as FakeRuntimeApi from "./utils/FakeRuntimeApi.js"

let transport: RuntimeApi.TransportKind = "socket"
const client = (address: string) =>
  Effect.provide(RuntimeApi.RuntimeApi, RuntimeApi.layerAddress(address, 1, transport))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "None") throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

describe.each(["socket", "node-http"] as const)("RuntimeApi (live, over HTTP, %s transport)", (kind) => {
  beforeAll(() => {
    transport = kind
  })

  it.scoped("next: GET on the documented path, every header decoded", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        res.writeHead(200, {
          ...FakeRuntimeApi.invocationHeaders("abc"),
          "lambda-runtime-client-context": "{\"custom\":{\"a\":\"b\"}}",
          "lambda-runtime-cognito-identity": "{\"cognitoIdentityId\":\"c\"}",
          "lambda-runtime-aws-tenant-id": "t-1",
          "content-type": "application/json"
        })
        res.end("{\"hello\":\"world\"}")
      })
      const api = yield* client(fake.address)
      const invocation = yield* api.next
      expect(fake.requests[0]).toMatchObject({ method: "GET", url: "/2018-06-01/runtime/invocation/next" })
      expect(fake.requests[0]!.headers["user-agent"]).toMatch(/^effect-lambda\//)
      expect(invocation.requestId).toBe("abc")
      expect(invocation.tenantId).toBe("t-1")
      expect(invocation.clientContext).toEqual({ custom: { a: "b" } })
      expect(invocation.cognitoIdentity).toEqual({ cognitoIdentityId: "c" })
      expect(invocation.traceId).toMatch(/^Root=1-/)
      expect(Buffer.from(invocation.body).toString()).toBe("{\"hello\":\"world\"}")
    }))

  it.scoped("respond: POST with the URL-encoded id, content type and length", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => FakeRuntimeApi.json(res, 202, { status: "OK" }))
      const api = yield* client(fake.address)
      yield* api.respond("a/b c?d", "{\"ok\":true}")
      yield* api.respond("bytes", new Uint8Array([1, 2, 3]), "application/octet-stream")
      const [first, second] = fake.requests
      expect(first).toMatchObject({ method: "POST", url: "/2018-06-01/runtime/invocation/a%2Fb%20c%3Fd/response" })
      expect(first!.headers["content-type"]).toBe("application/json")
      expect(first!.headers["content-length"]).toBe("11")
      expect(first!.body.toString()).toBe("{\"ok\":true}")
      expect(second!.headers["content-type"]).toBe("application/octet-stream")
      expect([...second!.body]).toEqual([1, 2, 3])
      // one keep-alive connection for both
      expect(new Set(fake.requests.map((r) => r.socket)).size).toBe(1)
    }))

  it.scoped("fail and initError: error-type header, X-Ray cause header, JSON body", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => FakeRuntimeApi.json(res, 202, { status: "OK" }))
      const api = yield* client(fake.address)
      const report = ErrorReport.fromCause(Cause.die(new TypeError("nope")))
      yield* api.fail("id-1", report)
      yield* api.initError(ErrorReport.fromCause(Cause.die(new Error("init")), "init"))
      const [error, init] = fake.requests
      expect(error!.url).toBe("/2018-06-01/runtime/invocation/id-1/error")
      expect(error!.headers["lambda-runtime-function-error-type"]).toBe("Runtime.Defect")
      expect(JSON.parse(error!.headers["lambda-runtime-function-xray-error-cause"] as string).exceptions[0].type).toBe(
        "TypeError"
      )
      expect(JSON.parse(error!.body.toString())).toMatchObject({ errorType: "TypeError", errorMessage: "nope" })
      expect(init!.url).toBe("/2018-06-01/runtime/init/error")
      expect(init!.headers["lambda-runtime-function-error-type"]).toBe("Runtime.InitError")
    }))

  it.scoped("maps every status code to its typed error", () =>
    Effect.gen(function*() {
      const statuses = [400, 403, 413, 500, 418]
      const fake = yield* FakeRuntimeApi.make((_req, res, index) =>
        FakeRuntimeApi.json(res, statuses[index % statuses.length]!, {
          errorType: `T${statuses[index % statuses.length]}`,
          errorMessage: "why"
        })
      )
      const api = yield* client(fake.address)
      const errors = []
      for (let i = 0; i < statuses.length; i++) errors.push(failureOf(yield* Effect.exit(api.respond("x", "12345"))))
      expect(errors.map((e) => e._tag)).toEqual([
        "BadRequest",
        "Forbidden",
        "PayloadTooLarge",
        "ContainerError",
        "UnexpectedStatus"
      ])
      expect(errors.map((e) => "errorType" in e ? e.errorType : undefined)).toEqual([
        "T400",
        "T403",
        "T413",
        "T500",
        "T418"
      ])
      expect(errors[2]).toMatchObject({ size: 5, message: "why" })
      expect(errors[4]).toMatchObject({ status: 418 })
      const next = failureOf(yield* Effect.exit(api.next))
      expect(next._tag).toBe("BadRequest")
    }))

  it.scoped("a 500 on next is a ContainerError; a body that is not JSON still maps by status", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        res.writeHead(500)
        res.end("oops")
      })
      const api = yield* client(fake.address)
      const error = failureOf(yield* Effect.exit(api.next))
      expect(error).toMatchObject({ _tag: "ContainerError", operation: "next" })
    }))

  it.scoped("a next answer without a request id is an InvalidInvocation, not a crash", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        res.writeHead(200, { "lambda-runtime-deadline-ms": "1" })
        res.end("{}")
      })
      const api = yield* client(fake.address)
      expect(failureOf(yield* Effect.exit(api.next))).toMatchObject({ _tag: "InvalidInvocation" })
    }))

  it.live("next has no timeout: an answer after several seconds arrives", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        setTimeout(() => {
          res.writeHead(200, FakeRuntimeApi.invocationHeaders("late"))
          res.end("{}")
        }, 3_000)
      })
      const api = yield* client(fake.address)
      const invocation = yield* api.next
      expect(invocation.requestId).toBe("late")
    })), 15_000)

  it.scoped("a stale keep-alive socket is retried once on a fresh connection", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make(FakeRuntimeApi.standard)
      const api = yield* client(fake.address)
      yield* api.next
      expect(fake.connections()).toBe(1)
      // Simulate freeze/thaw: the idle socket dies while the client still holds it.
      fake.dropIdle()
      const invocation = yield* api.next
      expect(invocation.requestId).toBe("id-1")
      expect(fake.connections()).toBe(2)
      expect(fake.requests.length).toBe(2)
    }))

  it.scoped("a reset before any answer on a reused socket, twice in a row, is a TransportError", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make(FakeRuntimeApi.standard)
      const api = yield* client(fake.address)
      yield* api.next
      fake.setHandler((_req, res) => res.socket?.destroy())
      const error = failureOf(yield* Effect.exit(api.next))
      expect(error).toMatchObject({ _tag: "TransportError", operation: "next" })
      // the original request and exactly one retry
      expect(fake.requests.length).toBe(3)
    }))

  it.scoped("a report cut on a reused socket is not sent again (it may already have been read)", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make(FakeRuntimeApi.standard)
      const api = yield* client(fake.address)
      yield* api.next
      fake.setHandler((_req, res) => res.socket?.destroy())
      const error = failureOf(yield* Effect.exit(api.respond("id-0", "{}")))
      expect(error).toMatchObject({ _tag: "TransportError", operation: "response" })
      expect(fake.requests.filter((r) => r.method === "POST").length).toBe(1)
    }))

  it.scoped("a reset on a fresh connection is not retried", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => res.socket?.destroy())
      const api = yield* client(fake.address)
      const error = failureOf(yield* Effect.exit(api.respond("id", "{}")))
      expect(error._tag).toBe("TransportError")
      expect(fake.requests.length).toBe(1)
    }))

  it.scoped("a connection cut in the middle of the answer is a TransportError", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        res.writeHead(200, { ...FakeRuntimeApi.invocationHeaders("cut"), "content-length": "1000" })
        res.write("{\"partial\":")
        setTimeout(() => res.socket?.destroy(), 20)
      })
      const api = yield* client(fake.address)
      const error = failureOf(yield* Effect.exit(api.next))
      expect(error._tag).toBe("TransportError")
      expect(fake.requests.length).toBe(1)
    }))

  it.scoped("connection refused is a TransportError", () =>
    Effect.gen(function*() {
      const api = yield* client("127.0.0.1:1")
      const error = failureOf(yield* Effect.exit(api.next))
      expect(error).toMatchObject({ _tag: "TransportError", operation: "next" })
      expect(error.message).toMatch(/ECONNREFUSED/)
    }))

  it.scoped("an IPv6 loopback address ([::1]:port) works", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make(FakeRuntimeApi.standard, "::1")
      expect(fake.address).toMatch(/^\[::1\]:\d+$/)
      const api = yield* client(fake.address)
      const invocation = yield* api.next
      expect(invocation.requestId).toBe("id-0")
    }))
})

describe("RuntimeApi.layerConfig", () => {
  const withEnv = (env: Record<string, string>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.scoped("reads AWS_LAMBDA_RUNTIME_API through effect/Config and talks to that address", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        res.writeHead(200, FakeRuntimeApi.invocationHeaders("from-config"))
        res.end("{}")
      })
      for (const concurrency of [undefined, "4", "0", "many"]) {
        const env: Record<string, string> = { AWS_LAMBDA_RUNTIME_API: fake.address }
        if (concurrency !== undefined) env.AWS_LAMBDA_MAX_CONCURRENCY = concurrency
        const invocation = yield* Effect.flatMap(RuntimeApi.RuntimeApi, (api) => api.next).pipe(
          Effect.provide(RuntimeApi.layerConfig),
          withEnv(env)
        )
        expect(invocation.requestId).toBe("from-config")
      }
    }))

  it.effect("fails with a ConfigError when AWS_LAMBDA_RUNTIME_API is unset or empty", () =>
    Effect.gen(function*() {
      for (const env of [{}, { AWS_LAMBDA_RUNTIME_API: "" }]) {
        const exit = yield* RuntimeApi.RuntimeApi.pipe(
          Effect.provide(RuntimeApi.layerConfig),
          withEnv(env),
          Effect.exit
        )
        expect(ConfigError.isConfigError(failureOf(exit))).toBe(true)
      }
    }))
})
