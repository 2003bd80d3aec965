// Entry of the bundle that `bootstrap` starts: the pool layer is built once, before the first
// invocation, and released when the runtime stops (SIGTERM).
import { LambdaRuntime } from "@effect-lambda/runtime"
import { handler } from "./handler.js"
import * as Pool from "./Pool.js"

LambdaRuntime.runMain(handler, Pool.layer)
