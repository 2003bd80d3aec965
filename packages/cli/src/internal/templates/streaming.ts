/** @internal */
import type { Template } from "./index.js"

/** @internal */
export const template: Template = {
  description: "an HTTP response streamed to the caller (Function URL with InvokeMode RESPONSE_STREAM)",
  dependencies: [],
  sampleEvent: `{"count":3}`,
  readme:
    "On AWS, serve it through a Function URL with `InvokeMode: RESPONSE_STREAM`; `effect-lambda start .` streams it the same way.\n",
  files: {
    "src/handler.ts": `/**
 * A streamed HTTP response: a status line and headers first, then the body chunk by chunk as
 * it is produced (\`{ "count"?: number }\` chunks, default 5).
 */
import { HttpResponseStream } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

export class Request extends Schema.Class<Request>("Request")({
  count: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100)), { default: () => 5 })
}) {}

export const handler = HttpResponseStream.handler({
  event: Request,
  handle: (request) =>
    Effect.succeed({
      statusCode: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: Stream.range(1, request.count).pipe(Stream.map((i) => \`chunk \${i}\\n\`))
    })
})
`,
    "test/handler.test.ts": `import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { handler } from "../src/handler.js"

describe("handler", () => {
  it.scoped("streams the prelude, 8 NUL bytes, then the chunks", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty)
      const report = yield* api.report(yield* api.enqueue({ count: 2 }))
      expect(report.contentType).toBe("application/vnd.awslambda.http-integration-response")
      const [prelude, body] = report.body.split("\\u0000".repeat(8))
      expect(JSON.parse(prelude!)).toMatchObject({ statusCode: 200 })
      expect(body).toBe("chunk 1\\nchunk 2\\n")
    }))
})
`
  }
}
