// The drop-in row: effect-lambda's drop-in runner (NodeHandler.runMain) running the same plain
// handler as aws-lambda-ric (`ric/handler.mjs`, `_HANDLER=handler.handler`). Bundled by run.mjs
// and coldstart.mjs into .tmp/bench/dropin.mjs, as `effect-lambda build` bundles a bootstrap.
import { NodeHandler } from "@effect-lambda/runtime"

NodeHandler.runMain()
