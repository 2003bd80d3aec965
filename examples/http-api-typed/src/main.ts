// Entry of the bundle that `bootstrap` starts.
import { LambdaRuntime } from "@effect-lambda/runtime"
import { DirectoryLive, handler } from "./handler.js"

LambdaRuntime.runMain(handler, DirectoryLive)
