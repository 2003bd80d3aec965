// Entry of the bundle that `bootstrap` starts.
import { LambdaRuntime } from "@effect-lambda/runtime"
import * as Layer from "effect/Layer"
import { handler } from "./handler.js"

LambdaRuntime.runMain(handler, Layer.empty)
