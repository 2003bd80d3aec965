// Deeply nested input (issue 14 item 5): a stack overflow while decoding the event or encoding
// the result is the event's or the result's fault, not a defect of the function, and the loop goes on.
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Handler from "../src/Handler.js"

const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }
const DEPTH = 100_000

const deepJson = (depth: number) => "[".repeat(depth) + "]".repeat(depth)

// A value nested `depth` deep, built without recursion.
const deepValue = (depth: number): unknown => {
  let value: unknown = []
  for (let i = 1; i < depth; i++) value = [value]
  return value
}

interface Tree {
  readonly children: ReadonlyArray<Tree>
}
const Tree: Schema.Schema<Tree> = Schema.Struct({ children: Schema.Array(Schema.suspend(() => Tree)) })
const deepTree = (depth: number): Tree => {
  let tree: Tree = { children: [] }
  for (let i = 1; i < depth; i++) tree = { children: [tree] }
  return tree
}

const errorBody = (body: string) => JSON.parse(body) as { errorType: string; errorMessage: string }

describe("deeply nested input", () => {
  it.scoped("a 100,000-deep array where the Schema wants a string is Runtime.InvalidEvent", () =>
    Effect.gen(function*() {
      const handler = Handler.make({ event: Schema.String, handle: (s) => Effect.succeed(s.length) })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      const report = yield* api.report(yield* api.enqueue(deepJson(DEPTH)))
      expect(report.errorType).toBe("Runtime.InvalidEvent")
      expect(errorBody(report.body).errorType).toBe("ParseError")
      const ok = yield* api.report(yield* api.enqueue("\"fine\""))
      expect(ok.body).toBe("4")
    }))

  it.scoped("a 100,000-deep recursive event is Runtime.InvalidEvent", () =>
    Effect.gen(function*() {
      const handler = Handler.make({ event: Tree, handle: () => Effect.succeed("decoded") })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      const report = yield* api.report(yield* api.enqueue(JSON.parse(JSON.stringify({ children: [] }))))
      expect(report.body).toBe("\"decoded\"")
      const deep = "{\"children\":[".repeat(DEPTH) + "]}".repeat(DEPTH)
      const failed = yield* api.report(yield* api.enqueue(deep))
      expect(failed.errorType).toBe("Runtime.InvalidEvent")
    }))

  it.scoped("a 100,000-deep result is Runtime.InvalidResponse, with or without a response Schema", () =>
    Effect.gen(function*() {
      const plain = Handler.make({ handle: () => Effect.succeed(deepValue(DEPTH)) })
      const typed = Handler.make({ response: Tree, handle: () => Effect.succeed(deepTree(DEPTH)) })
      for (const handler of [plain, typed]) {
        const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
        const report = yield* api.report(yield* api.enqueue({}))
        expect(report.errorType).toBe("Runtime.InvalidResponse")
        expect(errorBody(report.body).errorMessage).toMatch(/call stack/)
      }
    }))
})
