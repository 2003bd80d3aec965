/**
 * End to end: `examples/telemetry-buffer` (an external extension written with `LambdaExtension`)
 * beside `examples/hello` under the emulator, both as built by `pnpm build`: the extension
 * registers before the runtime, subscribes to the Telemetry API, buffers the function's telemetry
 * and sends it to a sink at SHUTDOWN when the emulator closes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Scope } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"
import { collectLogs, json } from "./utils.js"

const examples = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../examples")
const hello = Path.join(examples, "hello")
const telemetryBuffer = Path.join(examples, "telemetry-buffer")
const built = (dir: string) => Fs.existsSync(Path.join(dir, "dist", "main.mjs"))

/** A sink taking JSON arrays, as the extension's `TELEMETRY_SINK_URL`. */
const sink = Effect.acquireRelease(
  Effect.gen(function*() {
    const batches: Array<Array<any>> = []
    const received = yield* Deferred.make<void>()
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        batches.push(JSON.parse(Buffer.concat(chunks).toString("utf8")))
        res.end()
        Deferred.unsafeDone(received, Effect.void)
      })
    })
    yield* Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)))
    const port = (server.address() as { port: number }).port
    return { batches, received, server, url: `http://127.0.0.1:${port}/` }
  }),
  ({ server }) => Effect.sync(() => server.close())
)

describe.skipIf(!built(hello) || !built(telemetryBuffer))("examples/telemetry-buffer beside examples/hello", () => {
  it.scopedLive("the extension gets the function's telemetry and flushes it at SHUTDOWN", () =>
    Effect.gen(function*() {
      const { batches, received, url } = yield* sink
      // A function folder as Lambda lays it out: the function, and the layer's extension.
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "emulator-telemetry-buffer-"))
      Fs.writeFileSync(
        Path.join(dir, "bootstrap"),
        `#!/bin/sh\nexec ${JSON.stringify(Path.join(hello, "bootstrap"))}\n`,
        {
          mode: 0o755
        }
      )
      Fs.mkdirSync(Path.join(dir, "extensions"))
      Fs.writeFileSync(
        Path.join(dir, "extensions", "telemetry-buffer"),
        `#!/bin/sh\nexec ${JSON.stringify(Path.join(telemetryBuffer, "extensions", "telemetry-buffer"))}\n`,
        { mode: 0o755 }
      )
      const logs = collectLogs()
      const scope = yield* Scope.make()
      const emulator = yield* Emulator.make({
        functionDir: dir,
        onLog: logs.onLog,
        env: { TELEMETRY_RECEIVER_HOST: "127.0.0.1", TELEMETRY_RECEIVER_PORT: "0", TELEMETRY_SINK_URL: url }
      }).pipe(Scope.extend(scope))
      const result = yield* emulator.invoke(JSON.stringify({ name: "world" }), { awaitEnd: true })
      expect(json(result.payload)).toEqual({ message: "hello world" })
      expect(logs.lines).toContain("EXTENSION\tName: telemetry-buffer\tState: Ready\tEvents: [INVOKE, SHUTDOWN]")
      expect(logs.lines).toContain("EXTENSION\tName: effect-lambda-graceful-shutdown\tState: Ready\tEvents: []")
      expect(logs.lines.some((l) => l.startsWith("TELEMETRY\tName: telemetry-buffer\tState: Subscribed"))).toBe(true)
      // nothing sent before SHUTDOWN: the buffer is far from full
      expect(batches).toEqual([])

      yield* Scope.close(scope, Exit.void)
      yield* Deferred.await(received)
      const records = batches.flat()
      const ofType = (type: string) => records.filter((r) => r.type === type).map((r) => r.record)
      expect(ofType("platform.start")).toContainEqual({ requestId: result.requestId, version: "$LATEST" })
      expect(ofType("platform.report").map((r) => r.requestId)).toContain(result.requestId)
      expect(ofType("platform.initStart")).toHaveLength(1)
    }))
})
