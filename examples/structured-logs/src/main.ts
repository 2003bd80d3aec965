// Entry of the bundle that `bootstrap` starts.
import { LambdaRuntime } from "@effect-lambda/runtime"
import { handler, LoggerLive } from "./handler.js"

LambdaRuntime.runMain(handler, LoggerLive)
