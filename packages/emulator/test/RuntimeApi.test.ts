import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Emulator } from "../src/index.js"
import { collectLogs, json, next, request, requestId, respond, text } from "./utils.js"

const start = (options: Partial<Emulator.Options> = {}) => {
  const logs = collectLogs()
  return Emulator.make({ onLog: logs.onLog, ...options }).pipe(Effect.map((emulator) => ({ emulator, logs })))
}

describe("Runtime API with an external runtime", () => {
  it.scopedLive("hands an invocation to next and returns the response to the invoker", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke(JSON.stringify({ hello: "world" })))
      const event = yield* next(emulator)
      expect(event.status).toBe(200)
      expect(event.json()).toEqual({ hello: "world" })
      const id = requestId(event)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(event.headers["lambda-runtime-trace-id"]).toMatch(
        /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/
      )
      expect(event.headers["lambda-runtime-invoked-function-arn"]).toBe(
        "arn:aws:lambda:us-east-1:012345678912:function:function"
      )
      const deadline = Number(event.headers["lambda-runtime-deadline-ms"])
      expect(deadline).toBeGreaterThan(Date.now())
      expect(deadline).toBeLessThanOrEqual(Date.now() + 3000)
      const answer = yield* respond(emulator, id, JSON.stringify({ ok: true }))
      expect(answer.status).toBe(202)
      expect(answer.json()).toEqual({ status: "OK" })
      const result = yield* Fiber.join(invoker)
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBeUndefined()
      expect(result.requestId).toBe(id)
      expect(json(result.payload)).toEqual({ ok: true })
      expect(logs.lines[0]).toBe(`START RequestId: ${id} Version: $LATEST`)
      expect(logs.lines[1]).toBe(`END RequestId: ${id}`)
      expect(logs.lines[2]).toMatch(
        new RegExp(`^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB$`)
      )
    }))
})
