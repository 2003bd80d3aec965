/** @internal */
import type { Template } from "./index.js"

/** @internal */
export const template: Template = {
  description: "an event in, a JSON answer out, decoded and encoded through Schemas",
  dependencies: [],
  sampleEvent: `{"name":"world"}`,
  readme: "",
  files: {
    "src/handler.ts": `/**
 * The function: \`{ "name": string }\` in, \`{ "message": "hello <name>" }\` out.
 */
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class Greeting extends Schema.Class<Greeting>("Greeting")({ name: Schema.String }) {}

export const handler = Handler.make({
  event: Greeting,
  handle: (event) => Effect.succeed({ message: \`hello \${event.name}\` })
})
`,
    "test/handler.test.ts": `import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler } from "../src/handler.js"

describe("handler", () => {
  it.effect("greets by name", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, { name: "world" })
      expect(result).toMatchObject({ _tag: "Response", json: { message: "hello world" } })
    }))

  it.effect("an event without a name is a Runtime.InvalidEvent error", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, { nom: "world" }, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      expect(result).toMatchObject({ _tag: "Error", errorType: "Runtime.InvalidEvent" })
    }))
})
`
  }
}
