// Lambda's framed log protocol on `_LAMBDA_TELEMETRY_LOG_FD` (its own file: the descriptor is read
// once per process, as AWS's client does).
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as LambdaLogger from "../src/LambdaLogger.js"

const readFrames = (file: string) => {
  const bytes = fs.readFileSync(file)
  const frames: Array<{ type: number; micros: bigint; message: string }> = []
  for (let offset = 0; offset < bytes.length;) {
    const type = bytes.readUInt32BE(offset)
    const length = bytes.readUInt32BE(offset + 4)
    const micros = bytes.readBigUInt64BE(offset + 8)
    frames.push({ type, micros, message: bytes.subarray(offset + 16, offset + 16 + length).toString("utf8") })
    offset += 16 + length
  }
  return frames
}

it("with _LAMBDA_TELEMETRY_LOG_FD, console and Effect logs are frames: type|level mask, length, µs timestamp; new lines kept", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lambda-fd-")), "frames")
  const fd = fs.openSync(file, "w")
  process.env._LAMBDA_TELEMETRY_LOG_FD = String(fd)
  const before = BigInt(Date.now()) * 1000n
  const restore = LambdaLogger.patchConsole({ logFormat: "Text", logLevel: LogLevel.All })
  try {
    console.log("two\nlines")
    console.error("bad")
  } finally {
    restore()
  }
  Effect.runSync(
    Effect.logWarning("from effect").pipe(
      Effect.provide(LambdaLogger.layerWith({ logFormat: "Text", logLevel: LogLevel.All }))
    )
  )
  fs.closeSync(fd)
  // Read once and removed, so child processes do not write into it.
  expect(process.env._LAMBDA_TELEMETRY_LOG_FD).toBeUndefined()
  const frames = readFrames(file)
  expect(frames.map((f) => f.type.toString(16))).toEqual(["a55a000f", "a55a0017", "a55a0013"])
  expect(frames[0]!.message).toMatch(/\t-\tINFO\ttwo\nlines\n$/)
  expect(frames[1]!.message).toMatch(/\tERROR\tbad\n$/)
  expect(frames[2]!.message).toMatch(/\tWARN\tfrom effect\n$/)
  for (const frame of frames) {
    expect(frame.micros >= before && frame.micros <= BigInt(Date.now()) * 1000n).toBe(true)
  }
})
