import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { handler } from "../src/handler.js"
import * as Pool from "../src/Pool.js"

describe("resources", () => {
  it.live("the pool is acquired once at init, reused by every invocation, released when the runtime stops", () =>
    Effect.gen(function*() {
      const releaseFile = join(tmpdir(), `effect-lambda-resources-${process.pid}-${Date.now()}`)
      const before = Pool.acquisitionCount()
      yield* Effect.scoped(Effect.gen(function*() {
        const { api } = yield* LambdaTest.start(handler, Pool.layer, { env: { RESOURCES_RELEASE_FILE: releaseFile } })
        const answers: Array<unknown> = []
        for (let i = 0; i < 3; i++) {
          const report = yield* api.report(yield* api.enqueue({}))
          answers.push(JSON.parse(report.body))
        }
        const acquisition = before + 1
        expect(answers).toEqual([
          { acquisitions: acquisition, uses: 1 },
          { acquisitions: acquisition, uses: 2 },
          { acquisitions: acquisition, uses: 3 }
        ])
        expect(Pool.acquisitionCount()).toBe(acquisition)
        expect(existsSync(releaseFile)).toBe(false)
      }))
      // Closing the scope stops the runtime, which runs the layer's finalizers.
      expect(readFileSync(releaseFile, "utf8")).toBe("released")
    }))

  it.scoped("without RESOURCES_RELEASE_FILE the release is only logged", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Pool.layer)
      const report = yield* api.report(yield* api.enqueue({}))
      expect(JSON.parse(report.body).uses).toBe(1)
    }))
})
