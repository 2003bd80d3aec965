/**
 * Entry point of the `effect-lambda` binary (bundled to dist/bin.mjs).
 *
 * @since 0.1.0
 */
// Deep imports: the @effect/platform-node barrel pulls in undici, whose CJS requires break
// the ESM bundle.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Cli from "./Cli.js"
import * as CliError from "./CliError.js"

// `effect-lambda invoke ... | head -c 10` closes stdout early: that is the reader's choice,
// not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0)
  throw error
})

const main = Cli.run(process.argv).pipe(
  // Every failure becomes one line on stderr; runMain then exits 1 without reporting it again.
  Effect.tapErrorCause((cause) =>
    Option.match(CliError.describeCause(cause), { onNone: () => Effect.void, onSome: (line) => Console.error(line) })
  ),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(main, { disablePrettyLogger: true, disableErrorReporting: true })
