// Entry of the bundle that `bootstrap` starts.
import { LambdaRuntime } from "@effect-lambda/runtime"
import { handler } from "./handler.js"
import * as Items from "./Items.js"

LambdaRuntime.runMain(handler, Items.layer)
