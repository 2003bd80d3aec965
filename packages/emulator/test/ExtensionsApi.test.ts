/**
 * The Extensions API 2020-01-01 as the emulator serves it, with real processes: the fake runtime
 * (registering an internal extension when asked) and `fixtures/with-extensions/extensions/recorder`,
 * an external extension the emulator starts before the runtime.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, isAlive, json, makeTempDir, request } from "./utils.js"

const tempDir = () => makeTempDir("emulator-extensions-")

/** A function folder: the fake runtime as its bootstrap, and one file in `extensions/`. */
const withExtension = (name: string, script: string, mode: number) => {
  const dir = tempDir()
  Fs.writeFileSync(
    Path.join(dir, "bootstrap"),
    `#!/bin/sh\nexec node ${JSON.stringify(Path.join(fixture("fake-runtime"), "bootstrap"))}\n`,
    { mode: 0o755 }
  )
  Fs.mkdirSync(Path.join(dir, "extensions"))
  Fs.writeFileSync(Path.join(dir, "extensions", name), script, { mode })
  return dir
}

const records = (file: string): Array<any> =>
  Fs.existsSync(file)
    ? Fs.readFileSync(file, "utf8").trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l))
    : []

const register = (emulator: Emulator.Emulator, name: string, body: string, headers: Record<string, string> = {}) =>
  request(emulator.url, "/2020-01-01/extension/register", {
    method: "POST",
    headers: { "Lambda-Extension-Name": name, ...headers },
    body
  })

describe("Extensions API (an external runtime plays the calls)", () => {
  it.scopedLive("register answers the identifier and the function; errors are RAPID's 403s", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionName: "ext-fn", handler: "main.handler" })
      const ok = yield* register(emulator, "my-ext", JSON.stringify({ events: ["INVOKE"] }), {
        "Lambda-Extension-Accept-Feature": "accountId"
      })
      expect(ok.status).toBe(200)
      const id = ok.headers["lambda-extension-identifier"] as string
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(ok.json()).toEqual({
        accountId: "012345678912",
        functionName: "ext-fn",
        functionVersion: "$LATEST",
        handler: "main.handler"
      })

      const again = yield* register(emulator, "my-ext", "{\"events\":[]}")
      expect(again.status).toBe(403)
      expect(again.json().errorType).toBe("Extension.InvalidExtensionState")

      const shutdown = yield* register(emulator, "internal", JSON.stringify({ events: ["SHUTDOWN"] }))
      expect(shutdown.status).toBe(403)
      expect(shutdown.json()).toEqual({
        errorMessage: "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
        errorType: "Extension.InvalidEventType"
      })
      expect((yield* register(emulator, "bad-event", JSON.stringify({ events: ["START"] }))).json().errorType)
        .toBe("Extension.InvalidEventType")
      const badBody = yield* register(emulator, "bad-body", "{not json")
      expect(badBody.status).toBe(403)
      expect(badBody.json().errorType).toBe("InvalidRequestFormat")
      const noName = yield* request(emulator.url, "/2020-01-01/extension/register", { method: "POST", body: "{}" })
      expect(noName.json()).toEqual({
        errorMessage: "Empty extension name",
        errorType: "Extension.InvalidExtensionName"
      })

      const unknown = yield* request(emulator.url, "/2020-01-01/extension/event/next", {
        headers: { "Lambda-Extension-Identifier": "00000000-0000-4000-8000-000000000000" }
      })
      expect(unknown.status).toBe(403)
      expect(unknown.json().errorType).toBe("Extension.UnknownExtensionIdentifier")
      const missing = yield* request(emulator.url, "/2020-01-01/extension/event/next")
      expect(missing.json().errorType).toBe("Extension.MissingExtensionIdentifier")
      const invalid = yield* request(emulator.url, "/2020-01-01/extension/event/next", {
        headers: { "Lambda-Extension-Identifier": "nope" }
      })
      expect(invalid.json().errorType).toBe("Extension.InvalidExtensionIdentifier")
      const noType = yield* request(emulator.url, "/2020-01-01/extension/exit/error", {
        method: "POST",
        headers: { "Lambda-Extension-Identifier": id }
      })
      expect(noType.json()).toEqual({
        errorMessage: "Lambda-Extension-Function-Error-Type not found",
        errorType: "Extension.MissingHeader"
      })
      const wrongMethod = yield* request(emulator.url, "/2020-01-01/extension/register")
      expect(wrongMethod.status).toBe(405)

      // Lambda's limit: 10 extensions (my-ext is the first)
      for (let i = 2; i <= 10; i++) expect((yield* register(emulator, `ext-${i}`, "{\"events\":[]}")).status).toBe(200)
      const eleventh = yield* register(emulator, "ext-11", "{\"events\":[]}")
      expect(eleventh.json()).toEqual({
        errorMessage: "Extension limit (10) reached",
        errorType: "Extension.TooManyExtensions"
      })
    }))

  it.scopedLive("INVOKE goes to the subscriber; registration closes at the runtime's first next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionName: "ext-fn", region: "eu-west-1" })
      const registered = yield* register(emulator, "watcher", JSON.stringify({ events: ["INVOKE"] }))
      const id = registered.headers["lambda-extension-identifier"] as string
      const events = request(emulator.url, "/2020-01-01/extension/event/next", {
        headers: { "Lambda-Extension-Identifier": id }
      })
      const firstEvent = yield* Effect.fork(events)
      const invoked = yield* Effect.fork(emulator.invoke("{\"n\":1}"))
      const next = yield* request(emulator.url, "/2018-06-01/runtime/invocation/next")
      const requestId = next.headers["lambda-runtime-aws-request-id"] as string
      const event = yield* firstEvent.await.pipe(Effect.flatten)
      expect(event.status).toBe(200)
      expect(event.headers["lambda-extension-event-identifier"]).toMatch(/^[0-9a-f-]{36}$/)
      expect(event.json()).toEqual({
        eventType: "INVOKE",
        deadlineMs: Number(next.headers["lambda-runtime-deadline-ms"]),
        requestId,
        invokedFunctionArn: "arn:aws:lambda:eu-west-1:012345678912:function:ext-fn",
        tracing: { type: "X-Amzn-Trace-Id", value: next.headers["lambda-runtime-trace-id"] }
      })
      const late = yield* register(emulator, "late", "{\"events\":[]}")
      expect(late.status).toBe(403)
      expect(late.json()).toEqual({
        errorMessage: "Extension registration closed already",
        errorType: "Extension.RegistrationClosed"
      })
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${requestId}/response`, {
        method: "POST",
        body: "\"done\""
      })
      const result = yield* invoked.await.pipe(Effect.flatten)
      expect(json(result.payload)).toBe("done")
    }))
})

describe("Extensions under the supervisor", () => {
  const withExtensions = fixture("with-extensions")

  it.live("external and internal extensions: EXTENSION lines, INVOKE, SHUTDOWN then SIGTERM at close", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const recordFile = Path.join(dir, "events")
      const marker = Path.join(dir, "sigterm")
      const logs = collectLogs()
      const scope = yield* Scope.make()
      const emulator = yield* Emulator.make({
        functionDir: withExtensions,
        functionName: "ext-fn",
        onLog: logs.onLog,
        env: { EXT_RECORD_FILE: recordFile, FAKE_EXTENSION: "fake-internal", FAKE_SIGTERM_FILE: marker }
      }).pipe(Scope.extend(scope))
      const first = yield* emulator.invoke("{\"op\":\"pid\"}", { awaitEnd: true })
      const { pid } = json(first.payload)
      const second = yield* emulator.invoke("{\"op\":\"echo\"}", { awaitEnd: true })
      expect(second.statusCode).toBe(200)

      // registered before the runtime started, with the runtime's environment
      const seen = records(recordFile)
      expect(seen[0]).toEqual({
        registered: 200,
        body: { functionName: "ext-fn", functionVersion: "$LATEST", handler: "" },
        env: "ext-fn"
      })
      expect(seen.slice(1).map((e) => [e.eventType, e.requestId])).toEqual([
        ["INVOKE", first.requestId],
        ["INVOKE", second.requestId]
      ])
      expect(logs.lines).toContain("EXTENSION\tName: recorder\tState: Ready\tEvents: [INVOKE, SHUTDOWN]")
      expect(logs.lines).toContain("EXTENSION\tName: fake-internal\tState: Ready\tEvents: []")
      // extension output is forwarded, and init (EXTENSION lines) ends before the first START
      const start = logs.lines.indexOf(`START RequestId: ${first.requestId} Version: $LATEST`)
      expect(logs.lines.findIndex((l) => l.startsWith("EXTENSION\tName: recorder"))).toBeLessThan(start)
      expect(logs.lines.some((l) => l.startsWith("[recorder] registered 200"))).toBe(true)
      expect(logs.lines).toContain(`[recorder] INVOKE ${first.requestId}`)

      yield* Scope.close(scope, Exit.void)
      expect(isAlive(pid)).toBe(false)
      // an extension registered: the runtime got SIGTERM; the external one got SHUTDOWN with a deadline
      expect(Fs.readFileSync(marker, "utf8")).toBe("SIGTERM")
      const shutdown = records(recordFile).at(-1)
      expect(shutdown.eventType).toBe("SHUTDOWN")
      expect(shutdown.shutdownReason).toBe("spindown")
      expect(typeof shutdown.deadlineMs).toBe("number")
    }))

  it.live("without any registered extension the runtime is killed (SIGKILL), not terminated", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const marker = Path.join(dir, "sigterm")
      const scope = yield* Scope.make()
      const emulator = yield* Emulator.make({
        functionDir: fixture("fake-runtime"),
        onLog: collectLogs().onLog,
        env: { FAKE_SIGTERM_FILE: marker }
      }).pipe(Scope.extend(scope))
      const { pid } = json((yield* emulator.invoke("{\"op\":\"pid\"}")).payload)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(pid)).toBe(false)
      expect(Fs.existsSync(marker)).toBe(false)
    }))

  it.scopedLive("Init Duration includes the extensions' init, which comes before the runtime's", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({
        functionDir: withExtensions,
        onLog: logs.onLog,
        env: { EXT_REGISTER_DELAY_MS: "1000" }
      })
      const result = yield* emulator.invoke("{\"op\":\"echo\"}", { awaitEnd: true })
      const report = logs.lines.find((l) => l.startsWith(`REPORT RequestId: ${result.requestId}`))!
      // a lower bound only: the extension waited 1,000 ms before registering (the runtime alone takes far less)
      expect(Number(/Init Duration: ([\d.]+) ms/.exec(report)![1])).toBeGreaterThanOrEqual(1000)
    }))

  it.scopedLive("a crash restarts the environment: SHUTDOWN failure, then the extensions start again", () =>
    Effect.gen(function*() {
      const recordFile = Path.join(tempDir(), "events")
      const emulator = yield* Emulator.make({
        functionDir: withExtensions,
        onLog: collectLogs().onLog,
        env: { EXT_RECORD_FILE: recordFile }
      })
      const crashed = yield* emulator.invoke("{\"op\":\"crash\"}", { awaitEnd: true })
      expect(json(crashed.payload).errorType).toBe("Runtime.ExitError")
      // at once, not at the next invocation: the environment resets after the crash
      yield* Effect.sync(() => records(recordFile).some((e) => e.eventType === "SHUTDOWN")).pipe(
        Effect.repeat({ until: (seen) => seen, schedule: Schedule.spaced("20 millis") }),
        Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("no SHUTDOWN after the crash") })
      )
      const after = yield* emulator.invoke("{\"op\":\"echo\"}", { awaitEnd: true })
      expect(after.statusCode).toBe(200)
      const seen = records(recordFile)
      const kinds = seen.map((e) =>
        e.registered !== undefined ? "registered" : `${e.eventType} ${e.requestId ?? e.shutdownReason}`
      )
      expect(kinds).toEqual([
        "registered",
        `INVOKE ${crashed.requestId}`,
        "SHUTDOWN failure",
        "registered",
        `INVOKE ${after.requestId}`
      ])
    }))

  it.scopedLive("a timeout resets the environment: SHUTDOWN timeout to the extension", () =>
    Effect.gen(function*() {
      const recordFile = Path.join(tempDir(), "events")
      const emulator = yield* Emulator.make({
        functionDir: withExtensions,
        onLog: collectLogs().onLog,
        timeout: "1 second",
        env: { EXT_RECORD_FILE: recordFile }
      })
      const slow = yield* emulator.invoke("{\"op\":\"sleep\",\"ms\":5000}", { awaitEnd: true })
      expect(json(slow.payload).errorType).toBe("Sandbox.Timedout")
      const after = yield* emulator.invoke("{\"op\":\"echo\"}", { awaitEnd: true })
      expect(after.statusCode).toBe(200)
      expect(records(recordFile).filter((e) => e.eventType === "SHUTDOWN").map((e) => e.shutdownReason))
        .toEqual(["timeout"])
    }))

  it.scopedLive("a file in extensions/ that cannot be started is Extension.LaunchError", () =>
    Effect.gen(function*() {
      const dir = withExtension("not-executable", "#!/bin/sh\n", 0o644)
      const emulator = yield* Emulator.make({ functionDir: dir, onLog: collectLogs().onLog })
      const result = yield* emulator.invoke("{}")
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload).errorType).toBe("Extension.LaunchError")
    }))

  it.scopedLive("an external extension that never registers times init out", () =>
    Effect.gen(function*() {
      const dir = withExtension("silent", "#!/bin/sh\nexec sleep 30\n", 0o755)
      const emulator = yield* Emulator.make({ functionDir: dir, onLog: collectLogs().onLog, initTimeout: "1 second" })
      const result = yield* emulator.invoke("{}")
      expect(json(result.payload)).toEqual({
        errorMessage: "Extension silent did not register within 1.00 seconds",
        errorType: "Sandbox.Timedout"
      })
    }))

  it.scopedLive("an external extension's init error fails init with Extension.InitError", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({
        functionDir: withExtensions,
        onLog: logs.onLog,
        env: { EXT_MODE: "init-error" }
      })
      const result = yield* emulator.invoke("{}")
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload).errorType).toBe("Extension.InitError")
      expect(logs.lines.some((l) => l.startsWith("INIT_REPORT") && l.includes("Error Type: Extension.InitError")))
        .toBe(true)
      expect(logs.lines).toContain(
        "EXTENSION\tName: recorder\tState: InitError\tEvents: [INVOKE, SHUTDOWN]\tError Type: Extension.ConfigInvalid"
      )
    }))

  it.scopedLive("an invocation ends (REPORT) only once the INVOKE subscriber asked for its next event", () =>
    Effect.gen(function*() {
      const recordFile = Path.join(tempDir(), "events")
      // what the extension had recorded when END was printed
      const atEnd: Array<Array<any>> = []
      const emulator = yield* Emulator.make({
        functionDir: withExtensions,
        onLog: (line) => {
          if (line.startsWith("END RequestId:")) atEnd.push(records(recordFile))
        },
        env: { EXT_MODE: "slow-invoke", EXT_INVOKE_MS: "300", EXT_RECORD_FILE: recordFile }
      })
      const result = yield* emulator.invoke("{\"op\":\"echo\"}", { awaitEnd: true })
      expect(result.statusCode).toBe(200)
      expect(atEnd).toHaveLength(1)
      expect(atEnd[0]).toContainEqual({ done: result.requestId })
    }))
})

describe("Telemetry API", () => {
  it.live("a subscriber gets platform, function and extension events in Lambda's shapes, then SHUTDOWN", () =>
    Effect.gen(function*() {
      const recordFile = Path.join(tempDir(), "telemetry")
      const logs = collectLogs()
      const scope = yield* Scope.make()
      const emulator = yield* Emulator.make({
        functionDir: fixture("with-telemetry"),
        functionName: "telemetry-fn",
        onLog: logs.onLog,
        env: { EXT_RECORD_FILE: recordFile }
      }).pipe(Scope.extend(scope))
      const result = yield* emulator.invoke(JSON.stringify({ op: "log", lines: ["hello from the function"] }), {
        awaitEnd: true
      })
      expect(result.statusCode).toBe(200)
      yield* Scope.close(scope, Exit.void)

      const seen = records(recordFile)
      expect(seen[0]).toEqual({ subscribed: 200, body: "\"OK\"" })
      expect(seen.at(-1)).toEqual({ shutdown: "spindown" })
      const events = seen.filter((e) => typeof e.type === "string")
      for (const event of events) expect(Number.isNaN(Date.parse(event.time))).toBe(false)
      const ofType = (type: string) => events.filter((e) => e.type === type)
      expect(ofType("platform.initStart")[0].record).toEqual({
        initializationType: "on-demand",
        phase: "init",
        functionName: "telemetry-fn",
        functionVersion: "$LATEST"
      })
      expect(ofType("platform.telemetrySubscription")[0].record).toEqual({
        name: "listener",
        state: "Subscribed",
        types: ["platform", "function", "extension"]
      })
      expect(ofType("platform.extension")[0].record).toEqual({
        name: "listener",
        state: "Ready",
        events: ["INVOKE", "SHUTDOWN"]
      })
      expect(ofType("platform.initRuntimeDone")[0].record).toMatchObject({ phase: "init", status: "success" })
      expect(ofType("platform.start")[0].record).toEqual({ requestId: result.requestId, version: "$LATEST" })
      expect(ofType("platform.runtimeDone")[0].record).toMatchObject({ requestId: result.requestId, status: "success" })
      const report = ofType("platform.report")[0].record
      expect(report).toMatchObject({ requestId: result.requestId, status: "success" })
      expect(report.metrics).toMatchObject({ memorySizeMB: 128 })
      expect(typeof report.metrics.durationMs).toBe("number")
      expect(typeof report.metrics.initDurationMs).toBe("number")
      expect(ofType("function").map((e) => e.record)).toContain("hello from the function")
      expect(ofType("extension").map((e) => e.record)).toContain("[listener] listening")
      // in order: the function's line between platform.start and platform.report
      const types = events.map((e) => e.type === "function" ? e.record : e.type)
      expect(types.indexOf("platform.start")).toBeLessThan(types.indexOf("hello from the function"))
      expect(types.indexOf("hello from the function")).toBeLessThan(types.indexOf("platform.report"))
      expect(logs.lines).toContain(
        "TELEMETRY\tName: listener\tState: Subscribed\tTypes: [Platform, Function, Extension]"
      )
    }))

  it.scopedLive("subscription errors: bad destination, bad buffering (400), unknown extension (403)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({})
      const registered = yield* register(emulator, "sub", "{\"events\":[]}")
      const id = registered.headers["lambda-extension-identifier"] as string
      const put = (body: unknown, identifier = id) =>
        request(emulator.url, "/2022-07-01/telemetry", {
          method: "PUT",
          headers: { "Lambda-Extension-Identifier": identifier },
          body: JSON.stringify(body)
        })
      const valid = {
        schemaVersion: "2022-12-13",
        destination: { protocol: "HTTP", URI: "http://sandbox.localdomain:4243" },
        types: ["platform"]
      }
      const wrongHost = yield* put({ ...valid, destination: { protocol: "HTTP", URI: "http://example.com:4243" } })
      expect(wrongHost.status).toBe(400)
      expect(wrongHost.json().errorType).toBe("ValidationError")
      expect((yield* put({ ...valid, buffering: { timeoutMs: 5 } })).status).toBe(400)
      expect((yield* put({ ...valid, types: ["logs"] })).status).toBe(400)
      const unknown = yield* put(valid, "00000000-0000-4000-8000-000000000000")
      expect(unknown.status).toBe(403)
      expect(unknown.json().errorType).toBe("Extension.UnknownExtensionIdentifier")
      const ok = yield* put(valid)
      expect(ok.status).toBe(200)
      expect(ok.text).toBe("\"OK\"")
      // the Logs API it superseded: accepted but not supported, as AWS's emulator answers
      const logs = yield* request(emulator.url, "/2020-08-15/logs", {
        method: "PUT",
        headers: { "Lambda-Extension-Identifier": id },
        body: JSON.stringify({ destination: valid.destination, types: ["function"] })
      })
      expect(logs.status).toBe(202)
      expect(logs.json()).toEqual({ errorMessage: "Logs API is not supported", errorType: "Logs.NotSupported" })
    }))
})
