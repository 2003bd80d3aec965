/**
 * Process-level crashes: an `uncaughtException` (a `throw` in a timer callback) or an
 * `unhandledRejection` is never silent. During an invocation it becomes that invocation's one
 * error report (the error's name as `errorType`; `Runtime.UnhandledPromiseRejection` for a
 * rejection, as AWS's client reports it); during init it goes to `/init/error`; then the process
 * exits non-zero (129 / 128, AWS's client's codes), since its state is unknown.
 *
 * "Exactly one report": the loop and the crash handler both `claim` an invocation before
 * reporting it, and only the first claim wins.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as ErrorReport from "../ErrorReport.js"
import * as LambdaLogger from "../LambdaLogger.js"
import * as RuntimeApi from "../RuntimeApi.js"

const inFlight = new Set<string>()
let started = false

/**
 * An invocation starts: from now on a crash is reported for it (unless it is claimed first).
 *
 * @internal
 */
export const begin = (requestId: string): void => {
  started = true
  inFlight.add(requestId)
}

/**
 * Takes the right to report `requestId`: true once, for the first caller.
 *
 * @internal
 */
export const claim = (requestId: string): boolean => inFlight.delete(requestId)

/** `Runtime.UnhandledPromiseRejection`, as AWS's client names it. */
class UnhandledPromiseRejection extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason))
    this.name = "Runtime.UnhandledPromiseRejection"
    if (reason instanceof Error && reason.stack !== undefined) {
      this.stack = `${this.name}: ${this.message}\n${reason.stack.split("\n").slice(1).join("\n")}`
    }
  }
}

const reportOf = (
  error: unknown,
  kind: "exception" | "rejection",
  phase: ErrorReport.Phase
): ErrorReport.ErrorReport => {
  if (kind === "exception") return ErrorReport.fromCause(Cause.die(error), phase)
  const rejection = new UnhandledPromiseRejection(error)
  return {
    header: "Runtime.UnhandledPromiseRejection",
    errorType: rejection.name,
    errorMessage: rejection.message,
    stackTrace: rejection.stack?.split("\n") ?? []
  }
}

let installed = false

/**
 * Installs the process handlers for the Runtime API at `address`. `exit` is `process.exit`
 * outside tests.
 *
 * @internal
 */
export const install = (address: string, exit: (code: number) => void = (code) => process.exit(code)): void => {
  if (installed) return
  installed = true
  let crashed = false
  const onCrash = (kind: "exception" | "rejection") => (error: unknown) => {
    const code = kind === "exception" ? 129 : 128
    // A second crash while the first is being reported changes nothing.
    if (crashed) return
    crashed = true
    const current = LambdaLogger.currentRequestId()
    // The invocation the crashing code belongs to; with one in flight and no better clue, that one.
    const requestId = current !== undefined && inFlight.has(current)
      ? current
      : inFlight.size === 1
      ? inFlight.values().next().value
      : undefined
    const phase: ErrorReport.Phase = started ? "invoke" : "init"
    const report = reportOf(error, kind, phase)
    const post = requestId !== undefined && claim(requestId)
      ? (api: RuntimeApi.RuntimeApiShape) => api.fail(requestId, report)
      : !started
      ? (api: RuntimeApi.RuntimeApiShape) => api.initError(report)
      : undefined
    const label = kind === "exception" ? "Uncaught Exception" : "Unhandled Promise Rejection"
    console.error(label, `\t${ErrorReport.toBody(report)}`)
    if (post === undefined) return exit(code)
    Effect.runPromise(Effect.scoped(Effect.flatMap(RuntimeApi.make({ address }), post)).pipe(Effect.either)).then(
      () => exit(code),
      () => exit(code)
    )
  }
  process.on("uncaughtException", onCrash("exception"))
  process.on("unhandledRejection", onCrash("rejection"))
}
