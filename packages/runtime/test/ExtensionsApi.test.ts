import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as ExtensionsApi from "../src/ExtensionsApi.js"
import * as ExtensionsApiError from "../src/ExtensionsApiError.js"
import * as RuntimeApiError from "../src/RuntimeApiError.js"
import * as FakeRuntimeApi from "./utils/FakeRuntimeApi.js"

const client = (address: string) => Effect.provide(ExtensionsApi.ExtensionsApi, ExtensionsApi.layerAddress(address))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "None") throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

const registered = (res: import("node:http").ServerResponse) =>
  FakeRuntimeApi.json(res, 200, { functionName: "f", functionVersion: "$LATEST", handler: "index.handler" }, {
    "lambda-extension-identifier": "ext-1"
  })

describe("ExtensionsApi (live, over HTTP)", () => {
  it.scoped("register: POST with the name header and events body; identifier and function from the answer", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => registered(res))
      const api = yield* client(fake.address)
      const registration = yield* api.register("telemetry-buffer", ["INVOKE", "SHUTDOWN"])
      const [request] = fake.requests
      expect(request).toMatchObject({ method: "POST", url: "/2020-01-01/extension/register" })
      expect(request!.headers["lambda-extension-name"]).toBe("telemetry-buffer")
      expect(request!.headers["lambda-extension-accept-feature"]).toBeUndefined()
      expect(JSON.parse(request!.body.toString())).toEqual({ events: ["INVOKE", "SHUTDOWN"] })
      expect(registration).toEqual({
        identifier: "ext-1",
        functionName: "f",
        functionVersion: "$LATEST",
        handler: "index.handler"
      })
    }))

  it.scoped("register with acceptAccountId sends the feature header and returns the account id", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) =>
        FakeRuntimeApi.json(res, 200, {
          functionName: "f",
          functionVersion: "1",
          handler: "h",
          accountId: "123456789012"
        }, {
          "lambda-extension-identifier": "ext-2"
        })
      )
      const api = yield* client(fake.address)
      const registration = yield* api.register("x", [], { acceptAccountId: true })
      expect(fake.requests[0]!.headers["lambda-extension-accept-feature"]).toBe("accountId")
      expect(JSON.parse(fake.requests[0]!.body.toString())).toEqual({ events: [] })
      expect(registration.accountId).toBe("123456789012")
    }))

  it.scoped("an answer without an identifier is InvalidAnswer", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) =>
        FakeRuntimeApi.json(res, 200, { functionName: "f", functionVersion: "1", handler: "h" })
      )
      const api = yield* client(fake.address)
      const error = failureOf(yield* Effect.exit(api.register("x", [])))
      expect(error).toBeInstanceOf(ExtensionsApiError.InvalidAnswer)
      expect(error.message).toMatch(/Lambda-Extension-Identifier/)
    }))

  it.scoped("nextEvent: GET with the identifier; INVOKE and SHUTDOWN decoded", () =>
    Effect.gen(function*() {
      const invoke = {
        eventType: "INVOKE",
        deadlineMs: 1_700_000_000_000,
        requestId: "req-1",
        invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
        tracing: { type: "X-Amzn-Trace-Id", value: "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Sampled=1" }
      }
      const shutdown = { eventType: "SHUTDOWN", shutdownReason: "spindown", deadlineMs: 1_700_000_002_000 }
      const fake = yield* FakeRuntimeApi.make((_req, res, index) =>
        FakeRuntimeApi.json(res, 200, index === 0 ? invoke : shutdown, {
          "lambda-extension-event-identifier": `e-${index}`
        })
      )
      const api = yield* client(fake.address)
      expect(yield* api.nextEvent("ext-1")).toEqual(invoke)
      expect(yield* api.nextEvent("ext-1")).toEqual(shutdown)
      expect(fake.requests[0]).toMatchObject({ method: "GET", url: "/2020-01-01/extension/event/next" })
      expect(fake.requests[0]!.headers["lambda-extension-identifier"]).toBe("ext-1")
    }))

  it.scoped("an event that is neither INVOKE nor SHUTDOWN is InvalidAnswer naming the problem", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => FakeRuntimeApi.json(res, 200, { eventType: "RESTORE" }))
      const api = yield* client(fake.address)
      const error = failureOf(yield* Effect.exit(api.nextEvent("ext-1")))
      expect(error).toBeInstanceOf(ExtensionsApiError.InvalidAnswer)
      expect(error.message).toMatch(/eventType/)
    }))

  it.live("nextEvent waits with no timeout and can be interrupted", () =>
    Effect.gen(function*() {
      let answer: (() => void) | undefined
      const fake = yield* FakeRuntimeApi.make((_req, res) => {
        answer = () =>
          FakeRuntimeApi.json(res, 200, { eventType: "SHUTDOWN", shutdownReason: "spindown", deadlineMs: 1 })
      })
      const api = yield* client(fake.address)
      const fiber = yield* Effect.fork(api.nextEvent("ext-1"))
      yield* Effect.sleep("300 millis")
      expect(fiber.unsafePoll()).toBeNull()
      answer!()
      expect((yield* Fiber.join(fiber)).eventType).toBe("SHUTDOWN")
      // A second wait, interrupted: the call ends, the connection is dropped.
      const pending = yield* Effect.fork(api.nextEvent("ext-1"))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(pending)
    }).pipe(Effect.scoped))

  it.scoped("initError / exitError: the error-type header and the JSON body", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => FakeRuntimeApi.json(res, 202, { status: "OK" }))
      const api = yield* client(fake.address)
      yield* api.initError("ext-1", { errorType: "Extension.ConfigInvalid", errorMessage: "no endpoint" })
      yield* api.exitError("ext-1", {
        errorType: "Extension.Crashed",
        errorMessage: "boom",
        stackTrace: ["at a", "at b"]
      })
      const [init, exit] = fake.requests
      expect(init).toMatchObject({ method: "POST", url: "/2020-01-01/extension/init/error" })
      expect(init!.headers["lambda-extension-identifier"]).toBe("ext-1")
      expect(init!.headers["lambda-extension-function-error-type"]).toBe("Extension.ConfigInvalid")
      expect(JSON.parse(init!.body.toString())).toEqual({
        errorType: "Extension.ConfigInvalid",
        errorMessage: "no endpoint",
        stackTrace: []
      })
      expect(exit).toMatchObject({ method: "POST", url: "/2020-01-01/extension/exit/error" })
      expect(JSON.parse(exit!.body.toString())).toEqual({
        errorType: "Extension.Crashed",
        errorMessage: "boom",
        stackTrace: ["at a", "at b"]
      })
    }))

  it.scoped("subscribeTelemetry: PUT /2022-07-01/telemetry with the schema version and identifier", () =>
    Effect.gen(function*() {
      const fake = yield* FakeRuntimeApi.make((_req, res) => FakeRuntimeApi.json(res, 200, "OK"))
      const api = yield* client(fake.address)
      yield* api.subscribeTelemetry("ext-1", {
        destination: { protocol: "HTTP", URI: "http://sandbox.localdomain:4243" },
        types: ["function", "platform"],
        buffering: { timeoutMs: 100 }
      })
      const [request] = fake.requests
      expect(request).toMatchObject({ method: "PUT", url: "/2022-07-01/telemetry" })
      expect(request!.headers["lambda-extension-identifier"]).toBe("ext-1")
      expect(JSON.parse(request!.body.toString())).toEqual({
        schemaVersion: "2022-12-13",
        destination: { protocol: "HTTP", URI: "http://sandbox.localdomain:4243" },
        types: ["function", "platform"],
        buffering: { timeoutMs: 100 }
      })
    }))

  it.scoped("statuses become typed errors with the API's errorType and message", () =>
    Effect.gen(function*() {
      const statuses = [400, 403, 500, 404]
      const fake = yield* FakeRuntimeApi.make((_req, res, index) =>
        FakeRuntimeApi.json(res, statuses[index]!, {
          errorType: `E${statuses[index]}`,
          errorMessage: `m${statuses[index]}`
        })
      )
      const api = yield* client(fake.address)
      const errors = []
      for (let i = 0; i < statuses.length; i++) {
        errors.push(failureOf(yield* Effect.exit(api.register("x", ["INVOKE"]))))
      }
      expect(errors[0]).toBeInstanceOf(ExtensionsApiError.BadRequest)
      expect(errors[1]).toBeInstanceOf(ExtensionsApiError.Forbidden)
      expect(errors[2]).toBeInstanceOf(ExtensionsApiError.ContainerError)
      expect(errors[3]).toBeInstanceOf(ExtensionsApiError.UnexpectedStatus)
      expect(errors.map((e) => [e.operation, (e as { errorType?: string }).errorType, e.message])).toEqual([
        ["register", "E400", "m400"],
        ["register", "E403", "m403"],
        ["register", "E500", "m500"],
        ["register", "E404", "m404"]
      ])
      expect(errors.every(ExtensionsApiError.isExtensionsApiError)).toBe(true)
      expect(errors.map(ExtensionsApiError.isContainerError)).toEqual([false, false, true, false])
      expect(errors.map(ExtensionsApiError.isUnavailable)).toEqual([false, false, false, true])
    }))

  it.scoped("refinements never take another error with the same tag for an Extensions API error", () =>
    Effect.sync(() => {
      const runtimeApi = new RuntimeApiError.ContainerError({ operation: "next", message: "x" })
      const user = { _tag: "ContainerError", message: "mine" }
      expect(ExtensionsApiError.isExtensionsApiError(runtimeApi)).toBe(false)
      expect(ExtensionsApiError.isContainerError(user)).toBe(false)
      expect(
        ExtensionsApiError.isContainerError(
          new ExtensionsApiError.ContainerError({ operation: "register", message: "x" })
        )
      ).toBe(true)
    }))

  it.scoped("nothing listening is a TransportError (unavailable)", () =>
    Effect.gen(function*() {
      // A port nobody listens on: bind one, close it, use it.
      const net = yield* Effect.promise(() => import("node:net"))
      const port = yield* Effect.async<number>((resume) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as import("node:net").AddressInfo
          server.close(() => resume(Effect.succeed(port)))
        })
      })
      const api = yield* client(`127.0.0.1:${port}`)
      const error = failureOf(yield* Effect.exit(api.register("x", [])))
      expect(error).toBeInstanceOf(ExtensionsApiError.TransportError)
      expect(ExtensionsApiError.isUnavailable(error)).toBe(true)
    }))
})
