/**
 * End to end: examples/streaming (built by `pnpm build`) under the supervisor, through the
 * Function URL front and through the AWS SDK's InvokeWithResponseStream.
 */
import { InvokeWithResponseStreamCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"
import { collectLogs, request } from "./utils.js"

const example = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../examples/streaming")
const built = Fs.existsSync(Path.join(example, "dist", "main.mjs"))

const start = Effect.gen(function*() {
  const logs = collectLogs()
  const emulator = yield* Emulator.make({
    functionDir: example,
    functionUrl: true,
    timeout: "30 seconds",
    onLog: logs.onLog,
    streaming: { bandwidth: false }
  })
  return { emulator, logs }
})

const ndjson = (text: string) => text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l))

/** A Function URL event as Lambda sends it (payload format 2.0), for direct invocations. */
const functionUrlEvent = (query: Record<string, string>) => {
  const rawQueryString = new URLSearchParams(query).toString()
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString,
    headers: { host: "example.lambda-url.us-east-1.on.aws" },
    queryStringParameters: query,
    requestContext: {
      accountId: "anonymous",
      apiId: "example",
      domainName: "example.lambda-url.us-east-1.on.aws",
      domainPrefix: "example",
      http: { method: "GET", path: "/", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "id",
      routeKey: "$default",
      stage: "$default",
      time: "26/Nov/2026:12:00:00 +0000",
      timeEpoch: 0
    },
    isBase64Encoded: false
  }
}

interface Chunked {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
  readonly ending: "end" | "aborted"
}

/** A GET whose response is read to its end or its abort; `onFirst` runs at the first body bytes. */
const get = (url: string, onFirst: () => void = () => {}) =>
  Effect.async<Chunked>((resume) => {
    const req = Http.request(url, { agent: false }, (res) => {
      let body = ""
      let first = true
      let settled = false
      const finish = (ending: "end" | "aborted") => {
        if (settled) return
        settled = true
        resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body, ending }))
      }
      res.on("data", (c: Buffer) => {
        body += c.toString()
        if (first) onFirst()
        first = false
      })
      res.on("end", () => finish("end"))
      res.on("aborted", () => finish("aborted"))
      res.on("error", () => finish("aborted"))
    })
    req.on("error", () => resume(Effect.succeed({ status: 0, headers: {}, body: "", ending: "aborted" as const })))
    req.end()
    return Effect.sync(() => req.destroy())
  })

describe.skipIf(!built)("examples/streaming under the emulator", () => {
  it.scopedLive("Function URL: NDJSON rows streamed through as the function produces them", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start
      let reportsAtFirstBytes = -1
      const answer = yield* get(`${emulator.functionUrl}/?rows=3&delayMs=200`, () => {
        reportsAtFirstBytes = logs.lines.filter((l) => l.startsWith("REPORT")).length
      })
      expect(answer.status).toBe(200)
      expect(answer.headers["content-type"]).toBe("application/x-ndjson")
      expect(answer.ending).toBe("end")
      expect(ndjson(answer.body)).toEqual([{ id: 1, square: 1 }, { id: 2, square: 4 }, { id: 3, square: 9 }])
      // The first rows reached the client while the invocation was still running.
      expect(reportsAtFirstBytes).toBe(0)

      const bad = yield* get(`${emulator.functionUrl}/?rows=lots`)
      expect(bad.status).toBe(400)
    }))

  it.scopedLive("Function URL: a row failing midway cuts the response after the rows before it", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start
      const answer = yield* get(`${emulator.functionUrl}/?rows=5&failAt=3`)
      expect(answer.status).toBe(200)
      expect(answer.ending).toBe("aborted")
      expect(answer.body).toBe("{\"id\":1,\"square\":1}\n{\"id\":2,\"square\":4}\n")
    }))

  it.scopedLive("InvokeWithResponseStream through the AWS SDK: prelude and rows, then InvokeComplete; errors from the trailers", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start
      const lambda = yield* Effect.acquireRelease(
        Effect.sync(() =>
          new LambdaClient({
            endpoint: emulator.url,
            region: "us-east-1",
            credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
            maxAttempts: 1
          })
        ),
        (client) => Effect.sync(() => client.destroy())
      )
      const run = (query: Record<string, string>) =>
        Effect.promise(async () => {
          const response = await lambda.send(
            new InvokeWithResponseStreamCommand({
              FunctionName: "streaming",
              Payload: JSON.stringify(functionUrlEvent(query))
            })
          )
          const chunks: Array<Buffer> = []
          let complete: { ErrorCode?: string | undefined; ErrorDetails?: string | undefined } | undefined
          for await (const event of response.EventStream ?? []) {
            if (event.PayloadChunk?.Payload !== undefined) chunks.push(Buffer.from(event.PayloadChunk.Payload))
            if (event.InvokeComplete !== undefined) complete = event.InvokeComplete
          }
          const all = Buffer.concat(chunks).toString()
          const at = all.indexOf("\u0000".repeat(8))
          return { prelude: JSON.parse(all.slice(0, at)), body: all.slice(at + 8), complete }
        })

      const ok = yield* run({ rows: "1000" })
      expect(ok.prelude.statusCode).toBe(200)
      expect(ndjson(ok.body)).toHaveLength(1000)
      expect(ok.complete?.ErrorCode).toBeUndefined()

      const failed = yield* run({ rows: "5", failAt: "4" })
      expect(ndjson(failed.body)).toHaveLength(3)
      expect(failed.complete?.ErrorCode).toBe("Function.RowFailed")
      expect(JSON.parse(failed.complete?.ErrorDetails ?? "{}")).toMatchObject({ errorType: "RowFailed" })

      // ~31 MB of rows: past the 20 MiB limit the stream ends with the size error, every byte up
      // to the limit delivered; the runtime, refused with 413, goes on to the next invocation
      const tooBig = yield* run({ rows: "1000000" })
      expect(tooBig.complete?.ErrorCode).toBe("Function.ResponseSizeTooLarge")
      expect(Buffer.byteLength(tooBig.body) + JSON.stringify(tooBig.prelude).length + 8).toBe(20 * 1024 * 1024)
      const after = yield* run({ rows: "2" })
      expect(ndjson(after.body)).toHaveLength(2)
      expect(after.complete?.ErrorCode).toBeUndefined()
    }))

  it.scopedLive("the client hangs up mid-stream: the invocation is reported once and the next one works", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start
      const gotBytes = yield* Deferred.make<void>()
      const caller = yield* Effect.fork(
        get(`${emulator.functionUrl}/?rows=1000000&delayMs=1`, () => Deferred.unsafeDone(gotBytes, Effect.void))
      )
      yield* Deferred.await(gotBytes)
      yield* Fiber.interrupt(caller)
      const again = yield* get(`${emulator.functionUrl}/?rows=2`)
      expect(ndjson(again.body)).toEqual([{ id: 1, square: 1 }, { id: 2, square: 4 }])
      // Lambda prints END/REPORT when the runtime asks for its next event, which may come after
      // the caller has its body: wait for it (vitest's timeout bounds a REPORT that never comes)
      const reportLines = () => logs.lines.filter((l) => l.startsWith("REPORT"))
      yield* Effect.sync(() => reportLines().length).pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (n) => n >= 2 })
      )
      const reports = reportLines()
      expect(reports).toHaveLength(2)
      // the same runtime process served both: its POST was cut, it did not crash
      expect(logs.lines.filter((l) => l.includes("Init Duration"))).toHaveLength(1)
      // and a plain Invoke still buffers a streamed response
      const plain = yield* request(emulator.url, "/2015-03-31/functions/streaming/invocations", {
        method: "POST",
        body: JSON.stringify(functionUrlEvent({ rows: "1" }))
      })
      expect(plain.status).toBe(200)
      expect(plain.text.endsWith("\u0000".repeat(8) + "{\"id\":1,\"square\":1}\n")).toBe(true)
    }))
})
