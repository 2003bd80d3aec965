// Entry of the bundle that `bootstrap` starts.
import { LambdaRuntime } from "@effect-lambda/runtime"
import { ConformanceLayer, handler } from "./handler.js"

LambdaRuntime.runMain(handler, ConformanceLayer)
