/**
 * The OTLP/HTTP traces receiver: spans a function exports locally are printed through the log
 * sink, one `TRACE` line each, and the function is pointed at it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, json, next, request, requestId, respond } from "./utils.js"

const traceId = "5759e988bd862e3fe1be46a994272793"

const exportRequest = (spans: ReadonlyArray<unknown>) => ({
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "prices" } }] },
    scopeSpans: [{ scope: { name: "@effect/opentelemetry" }, spans }]
  }]
})

const invokeSpan = {
  traceId,
  spanId: "53995c3f42cd8ad8",
  parentSpanId: "1a2b3c4d5e6f7a8b",
  name: "lambda.invoke",
  kind: 2,
  startTimeUnixNano: "1700000000000000000",
  endTimeUnixNano: "1700000000012500000",
  attributes: [
    { key: "faas.invocation_id", value: { stringValue: "req-1" } },
    { key: "faas.coldstart", value: { boolValue: true } },
    { key: "faas.max_memory", value: { intValue: "134217728" } }
  ],
  status: { code: 0 }
}

const post = (url: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  request(url, "/v1/traces", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body
  })

describe("OTLP/HTTP traces receiver", () => {
  it.scopedLive("prints each span of an OTLP JSON export as a TRACE line and answers as OTLP does", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({ onLog: logs.onLog })
      const child = {
        traceId,
        spanId: "0f0e0d0c0b0a0908",
        parentSpanId: "53995c3f42cd8ad8",
        name: "price.lookup",
        startTimeUnixNano: 1700000000001000000,
        endTimeUnixNano: 1700000000003000000,
        attributes: [{ key: "sku", value: { stringValue: "abc" } }],
        status: { code: 2, message: "out of stock" }
      }
      const res = yield* post(emulator.url, JSON.stringify(exportRequest([invokeSpan, child])))
      expect(res.status).toBe(200)
      expect(res.json()).toStrictEqual({ partialSuccess: {} })
      expect(logs.lines).toStrictEqual([
        "TRACE 1-5759e988-bd862e3fe1be46a994272793 53995c3f42cd8ad8 parent=1a2b3c4d5e6f7a8b lambda.invoke 12.50 ms " +
        "UNSET faas.invocation_id=\"req-1\" faas.coldstart=true",
        "TRACE 1-5759e988-bd862e3fe1be46a994272793 0f0e0d0c0b0a0908 parent=53995c3f42cd8ad8 price.lookup 2.00 ms " +
        "ERROR \"out of stock\" sku=\"abc\""
      ])

      // gzip, as exporters send with compression on; an empty export is fine too
      const gzipped = yield* post(emulator.url, Zlib.gzipSync(JSON.stringify(exportRequest([invokeSpan]))), {
        "content-encoding": "gzip"
      })
      expect(gzipped.status).toBe(200)
      expect(logs.lines).toHaveLength(3)
      expect((yield* post(emulator.url, "{}")).status).toBe(200)
      expect(logs.lines).toHaveLength(3)
    }))

  it.scopedLive("a bad body is a 400 with a clear message, protobuf a 415; nothing printed, still serving", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({ onLog: logs.onLog })

      const notJson = yield* post(emulator.url, "{\"resourceSpans\": [")
      expect(notJson.status).toBe(400)
      expect(notJson.json().message).toMatch(/^not an OTLP ExportTraceServiceRequest in JSON: /)

      const wrongShape = yield* post(
        emulator.url,
        JSON.stringify(exportRequest([{ ...invokeSpan, spanId: undefined }]))
      )
      expect(wrongShape.status).toBe(400)
      expect(wrongShape.json().message).toContain("spanId")

      const badGzip = yield* post(emulator.url, "not gzip", { "content-encoding": "gzip" })
      expect(badGzip.status).toBe(400)
      expect(badGzip.json().message).toMatch(/could not be inflated/)

      const protobuf = yield* post(emulator.url, new Uint8Array([0x0a, 0x00]), {
        "content-type": "application/x-protobuf"
      })
      expect(protobuf.status).toBe(415)
      expect(protobuf.json().message).toContain("OTEL_EXPORTER_OTLP_PROTOCOL=http/json")

      const get = yield* request(emulator.url, "/v1/traces")
      expect(get.status).toBe(405)
      expect(get.headers.allow).toBe("POST")

      expect(logs.lines).toStrictEqual([])
      expect((yield* post(emulator.url, JSON.stringify(exportRequest([invokeSpan])))).status).toBe(200)
      expect(logs.lines).toHaveLength(1)
    }))

  it.scopedLive("what a function sends cannot break the line or forge another: such fields are quoted", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({ onLog: logs.onLog })
      const forged = {
        ...invokeSpan,
        spanId: "x\nREPORT",
        name: "GET /users\nREPORT RequestId: forged",
        attributes: [{ key: "k\r\n", value: { intValue: "1\nEND" } }]
      }
      expect((yield* post(emulator.url, JSON.stringify(exportRequest([forged])))).status).toBe(200)
      expect(logs.lines).toStrictEqual([
        "TRACE 1-5759e988-bd862e3fe1be46a994272793 \"x\\nREPORT\" parent=1a2b3c4d5e6f7a8b " +
        "\"GET /users\\nREPORT RequestId: forged\" 12.50 ms UNSET \"k\\r\\n\"=\"1\\nEND\""
      ])
    }))

  it.scopedLive("a span sent while an invocation runs is printed before its REPORT line", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const emulator = yield* Emulator.make({ onLog: logs.onLog })
      // plays the runtime: the span carries the trace the emulator sent with the event
      const invoked = yield* Effect.fork(emulator.invoke("{}", { awaitEnd: true }))
      const event = yield* next(emulator)
      const root = /Root=1-([0-9a-f]{8})-([0-9a-f]{24})/.exec(event.headers["lambda-runtime-trace-id"] as string)!
      const span = { ...invokeSpan, traceId: root[1]! + root[2]! }
      expect((yield* post(emulator.url, JSON.stringify(exportRequest([span])))).status).toBe(200)
      expect((yield* respond(emulator, requestId(event), "{}")).status).toBe(202)
      yield* next(emulator).pipe(Effect.fork)
      yield* invoked
      const trace = logs.lines.findIndex((l) => l.startsWith(`TRACE 1-${root[1]}-${root[2]} `))
      expect(trace).toBeGreaterThanOrEqual(0)
      expect(trace).toBeLessThan(logs.lines.findIndex((l) => l.startsWith("REPORT")))
    }))

  it.scopedLive("the function gets OTEL_EXPORTER_OTLP_ENDPOINT pointing at the emulator, unless it set one", () =>
    Effect.gen(function*() {
      const start = (env: Record<string, string>) =>
        Emulator.make({ functionDir: fixture("fake-runtime"), onLog: collectLogs().onLog, env })
      const envOf = (emulator: Emulator.Emulator) =>
        Effect.map(emulator.invoke(JSON.stringify({ op: "env" })), (result) => json(result.payload).env)
      const emulator = yield* start({})
      expect((yield* envOf(emulator)).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(emulator.url)
      const own = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })
      expect((yield* envOf(own)).OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://127.0.0.1:4318")
    }))
})

const tracing = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../examples/tracing")

describe.skipIf(!Fs.existsSync(Path.join(tracing, "dist", "main.mjs")))("examples/tracing under the emulator", () => {
  it.scopedLive(
    "XRayTracing.layer with the OTLP exporter: the invocation's spans printed before its REPORT",
    () =>
      Effect.gen(function*() {
        const logs = collectLogs()
        const emulator = yield* Emulator.make({ functionDir: tracing, onLog: logs.onLog, timeout: "30 seconds" })
        // through the Invoke API, which passes the caller's trace header on as Lambda-Runtime-Trace-Id
        const header = "Root=1-6759e988-cd862e3fe1be46a994272794;Parent=53995c3f42cd8ad8;Sampled=1"
        const res = yield* request(emulator.url, "/2015-03-31/functions/function/invocations", {
          method: "POST",
          headers: { "x-amzn-trace-id": header },
          body: JSON.stringify({ sku: "abc" })
        })
        expect(res.status).toBe(200)
        expect(res.json()).toStrictEqual({ sku: "abc", cents: 300 })
        const report = yield* logs.line((l) => l.startsWith("REPORT"))
        const invoke = logs.lines.findIndex((l) =>
          l.startsWith("TRACE 1-6759e988-cd862e3fe1be46a994272794 ") &&
          l.includes(" parent=53995c3f42cd8ad8 lambda.invoke ")
        )
        expect(invoke, logs.lines.join("\n")).toBeGreaterThanOrEqual(0)
        expect(logs.lines[invoke]).toContain(`faas.invocation_id="${res.headers["x-amzn-requestid"]}"`)
        const invokeSpanId = logs.lines[invoke]!.split(" ")[2]
        const lookup = logs.lines.findIndex((l) =>
          l.startsWith("TRACE 1-6759e988-cd862e3fe1be46a994272794 ") &&
          l.includes(` parent=${invokeSpanId} price.lookup `)
        )
        expect(lookup, logs.lines.join("\n")).toBeGreaterThanOrEqual(0)
        expect(invoke).toBeLessThan(logs.lines.indexOf(report))
        expect(lookup).toBeLessThan(logs.lines.indexOf(report))
      }),
    { timeout: 60_000 }
  )
})
