import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture } from "./utils.js"

const client = (emulator: Emulator.Emulator) =>
  new LambdaClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1
  })

const send = (lambda: LambdaClient, command: InvokeCommand) =>
  Effect.tryPromise({ try: () => lambda.send(command), catch: (error) => error as Error & { $metadata?: any } })

const decode = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString("utf8"))

describe("AWS SDK v3 LambdaClient against the emulator", () => {
  it.scopedLive("InvokeCommand: result, function error, Event, DryRun, client context, too large", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionDir: fixture("fake-runtime"), onLog: collectLogs().onLog })
      const lambda = client(emulator)
      yield* Effect.addFinalizer(() => Effect.sync(() => lambda.destroy()))

      const ok = yield* send(
        lambda,
        new InvokeCommand({ FunctionName: "function", Payload: JSON.stringify({ a: 1 }), LogType: "Tail" })
      )
      expect(ok.StatusCode).toBe(200)
      expect(ok.FunctionError).toBeUndefined()
      expect(ok.ExecutedVersion).toBe("$LATEST")
      expect(decode(ok.Payload)).toEqual({ a: 1 })
      expect(Buffer.from(ok.LogResult ?? "", "base64").toString("utf8")).toMatch(
        /^[\s\S]*START RequestId: [\s\S]*REPORT RequestId: /
      )

      const failed = yield* send(
        lambda,
        new InvokeCommand({
          FunctionName: "my-function",
          Payload: JSON.stringify({
            op: "error",
            type: "Function.Bad",
            body: JSON.stringify({ errorType: "Bad", errorMessage: "no" })
          })
        })
      )
      expect(failed.StatusCode).toBe(200)
      expect(failed.FunctionError).toBe("Unhandled")
      expect(decode(failed.Payload)).toEqual({ errorType: "Bad", errorMessage: "no" })

      const event = yield* send(
        lambda,
        new InvokeCommand({ FunctionName: "function", InvocationType: "Event", Payload: JSON.stringify({}) })
      )
      expect(event.StatusCode).toBe(202)

      const dry = yield* send(lambda, new InvokeCommand({ FunctionName: "function", InvocationType: "DryRun" }))
      expect(dry.StatusCode).toBe(204)

      const clientContext = Buffer.from(JSON.stringify({ custom: { k: "v" } })).toString("base64")
      const withContext = yield* send(
        lambda,
        new InvokeCommand({
          FunctionName: "function",
          ClientContext: clientContext,
          Payload: JSON.stringify({ op: "env" })
        })
      )
      expect(decode(withContext.Payload).headers["lambda-runtime-client-context"]).toBe(
        JSON.stringify({ custom: { k: "v" } })
      )

      const tooLarge = yield* Effect.flip(
        send(lambda, new InvokeCommand({ FunctionName: "function", Payload: Buffer.alloc(6_291_557, 32) }))
      )
      expect(tooLarge.name).toBe("RequestEntityTooLargeException")
      expect(tooLarge.$metadata.httpStatusCode).toBe(413)
    }))
})
