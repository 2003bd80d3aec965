/**
 * `--fault <endpoint>:<call>:<fault>`: a Runtime API fault rule of the emulator from one word of
 * the command line, e.g. `next:3:status=500`, `response:*:delay=200`, `any:1:close`.
 *
 * @internal
 */
import type { Emulator } from "@effect-lambda/emulator"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { optionalRepeated } from "./help.js"

const endpoints: ReadonlyArray<Emulator.RuntimeEndpoint | "any"> = ["next", "response", "error", "init-error", "any"]

const malformations: Readonly<Record<string, Emulator.Malformation>> = {
  "no-request-id": "NoRequestId",
  "bad-deadline": "BadDeadline",
  "invalid-json": "InvalidJson"
}

/** The grammar, for help and error messages. */
export const syntax = "<next|response|error|init-error|any>:<call number|*>:<status=CODE|delay=MS|close|reset|" +
  "no-request-id|bad-deadline|invalid-json>"

const wholeNumber = /^[0-9]{1,9}$/

const parseFault = (text: string): Either.Either<Emulator.Fault, string> => {
  const eq = text.indexOf("=")
  const name = eq < 0 ? text : text.slice(0, eq)
  const value = eq < 0 ? undefined : text.slice(eq + 1)
  switch (name) {
    case "status": {
      const status = value !== undefined && wholeNumber.test(value) ? Number(value) : NaN
      return status >= 100 && status <= 599
        ? Either.right({ _tag: "Status", status })
        : Either.left(`status must be an HTTP status code 100..599, got '${value ?? ""}'`)
    }
    case "delay":
      return value !== undefined && wholeNumber.test(value)
        ? Either.right({ _tag: "Delay", duration: `${Number(value)} millis` })
        : Either.left(`delay must be a whole number of milliseconds, got '${value ?? ""}'`)
    case "close":
    case "reset":
      return value === undefined
        ? Either.right(name === "close" ? { _tag: "Close" } : { _tag: "Reset" })
        : Either.left(`${name} takes no value`)
    default: {
      const malformation = Object.hasOwn(malformations, name) && value === undefined ? malformations[name] : undefined
      return malformation !== undefined
        ? Either.right({ _tag: "Malformed", malformation })
        : Either.left(`unknown fault '${text}'`)
    }
  }
}

/**
 * Reads one `--fault` value. A call number fires once on that call of the endpoint (1-based,
 * counted from the emulator's start); `*` fires on every call.
 *
 * @internal
 */
export const parse = (spec: string): Either.Either<Emulator.FaultRule, string> => {
  const parts = spec.split(":")
  if (parts.length !== 3) return Either.left(`--fault expects ${syntax}, got '${spec}'`)
  const [endpoint, call, fault] = parts as [string, string, string]
  if (!(endpoints as ReadonlyArray<string>).includes(endpoint)) {
    return Either.left(`--fault: unknown endpoint '${endpoint}' (one of ${endpoints.join(", ")})`)
  }
  if (call !== "*" && !(wholeNumber.test(call) && Number(call) >= 1)) {
    return Either.left(`--fault: call must be a number from 1 or *, got '${call}'`)
  }
  return Either.map(
    Either.mapLeft(parseFault(fault), (message) => `--fault: ${message}`),
    (parsed): Emulator.FaultRule =>
      call === "*"
        ? { endpoint: endpoint as Emulator.FaultRule["endpoint"], fault: parsed, once: false }
        : { endpoint: endpoint as Emulator.FaultRule["endpoint"], call: Number(call), fault: parsed }
  )
}

/**
 * The repeatable `--fault` option, already parsed into fault rules.
 *
 * @internal
 */
export const option: Options.Options<ReadonlyArray<Emulator.FaultRule>> = Options.text("fault").pipe(
  Options.withPseudoName("spec"),
  Options.withDescription(
    `Inject a Runtime API fault (repeatable): ${syntax}, e.g. next:3:status=500 or response:*:delay=200`
  ),
  Options.repeated,
  optionalRepeated,
  Options.mapEffect((specs) =>
    Effect.forEach(specs, (spec) =>
      Either.match(parse(spec), {
        onLeft: (message) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(message))),
        onRight: Effect.succeed
      }))
  )
)
