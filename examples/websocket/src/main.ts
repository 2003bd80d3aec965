// Entry of the bundle that `bootstrap` starts. Messages to clients are logged here; on AWS,
// provide a `Connections` layer over DynamoDB and the @connections API instead.
import { LambdaRuntime } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import { Connections, handler } from "./handler.js"

LambdaRuntime.runMain(
  handler,
  Connections.inMemory((connectionId, data) => Effect.log(`to ${connectionId}: ${data}`))
)
