import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"
import * as ErrorReport from "../src/ErrorReport.js"
import {
  InvalidEvent,
  InvalidResponse,
  NoSuchHandler,
  ResponseSizeTooLarge,
  TimeoutError
} from "../src/HandlerError.js"

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { message: Schema.String }) {}
class WeirdTag extends Data.Error<{ readonly _tag: string; readonly message: string }> {}
class NoMessage extends Data.TaggedError("NoMessage")<{ readonly id: number }> {}

describe("ErrorReport.fromCause", () => {
  it("maps a tagged failure to Function.<tag> with the exact tag in the body", () => {
    const report = ErrorReport.fromCause(Cause.fail(new NotFound({ message: "no such user" })))
    expect(report.header).toBe("Function.NotFound")
    expect(report.errorType).toBe("NotFound")
    expect(report.errorMessage).toBe("no such user")
    expect(report.stackTrace.length).toBeGreaterThan(0)
  })

  it("sanitises tags into the form Lambda keeps, and keeps the exact tag in the body", () => {
    const report = ErrorReport.fromCause(Cause.fail(new WeirdTag({ _tag: "my-error_42x", message: "m" })))
    expect(report.header).toBe("Function.MyErrorX")
    expect(report.errorType).toBe("my-error_42x")
    expect(ErrorReport.sanitiseTag("HTTP_404_error")).toBe("HTTPError")
    expect(ErrorReport.sanitiseTag("9")).toBe("Unknown")
    expect(ErrorReport.sanitiseTag("x")).toBe("Unknown")
  })

  it("describes a tagged error without a message by its fields", () => {
    const report = ErrorReport.fromCause(Cause.fail(new NoMessage({ id: 7 })))
    expect(report.errorMessage).toBe("{\"id\":7}")
  })

  it("maps a plain Error failure to Runtime.UnhandledError with its name", () => {
    const report = ErrorReport.fromCause(Cause.fail(new TypeError("bad")))
    expect(report).toMatchObject({ header: "Runtime.UnhandledError", errorType: "TypeError", errorMessage: "bad" })
    expect(report.stackTrace[0]).toBe("TypeError: bad")
  })

  it("maps a defect to Runtime.Defect with a real stack", () => {
    const report = ErrorReport.fromCause(Cause.die(new RangeError("boom")))
    expect(report.header).toBe("Runtime.Defect")
    expect(report.errorType).toBe("RangeError")
    expect(report.stackTrace.some((line) => line.includes("ErrorReport.test.ts"))).toBe(true)
  })

  it("maps a failure with a non-error value to Runtime.UnknownReason", () => {
    const report = ErrorReport.fromCause(Cause.fail("just a string"))
    expect(report).toMatchObject({
      header: "Runtime.UnknownReason",
      errorType: "string",
      errorMessage: "just a string"
    })
  })

  it("maps the runtime's own errors per the table, without stacks", () => {
    const cases = [
      [new InvalidEvent({ message: "m" }), "Runtime.InvalidEvent", "ParseError"],
      [new InvalidResponse({ reason: "TypeError", message: "m" }), "Runtime.InvalidResponse", "TypeError"],
      [new InvalidResponse({ reason: "ParseError", message: "m" }), "Runtime.InvalidResponse", "ParseError"],
      [new TimeoutError({ message: "m" }), "Runtime.Timeout", "TimeoutError"],
      [new ResponseSizeTooLarge({ message: "m" }), "Function.ResponseSizeTooLarge", "ResponseSizeTooLarge"],
      [new NoSuchHandler({ handler: "x", available: [], message: "m" }), "Runtime.NoSuchHandler", "NoSuchHandler"]
    ] as const
    for (const [error, header, errorType] of cases) {
      const report = ErrorReport.fromCause(Cause.fail(error))
      expect([report.header, report.errorType, report.stackTrace]).toEqual([header, errorType, []])
    }
  })

  it("maps init failures: config -> Runtime.ConfigInvalid, anything else -> Runtime.InitError", () => {
    const config = ErrorReport.fromCause(
      Cause.fail(ConfigError.MissingData(["DB_URL"], "Expected DB_URL to exist")),
      "init"
    )
    expect(config.header).toBe("Runtime.ConfigInvalid")
    expect(config.errorMessage).toContain("DB_URL")
    const tagged = ErrorReport.fromCause(Cause.fail(new NotFound({ message: "pool" })), "init")
    expect([tagged.header, tagged.errorType]).toEqual(["Runtime.InitError", "NotFound"])
    const defect = ErrorReport.fromCause(Cause.die(new Error("x")), "init")
    expect([defect.header, defect.errorType]).toEqual(["Runtime.InitError", "Error"])
  })

  it("prefers a failure over a defect, and reports bare interruption", () => {
    const both = ErrorReport.fromCause(
      Cause.sequential(Cause.die(new Error("d")), Cause.fail(new NotFound({ message: "f" })))
    )
    expect(both.header).toBe("Function.NotFound")
    const interrupted = ErrorReport.fromCause(Cause.interrupt(0 as any))
    expect([interrupted.header, interrupted.errorType]).toEqual(["Runtime.UnknownReason", "Interrupted"])
  })

  it("always gives a header of the documented form", () => {
    const causes: Array<Cause.Cause<unknown>> = [
      Cause.fail(null),
      Cause.fail(undefined),
      Cause.fail({ _tag: "" }),
      Cause.fail({ _tag: "ünïcödé" }),
      Cause.die(42),
      Cause.empty
    ]
    for (const cause of causes) {
      expect(ErrorReport.fromCause(cause).header).toMatch(ErrorReport.ERROR_TYPE_PATTERN)
      expect(ErrorReport.fromCause(cause, "init").header).toMatch(ErrorReport.ERROR_TYPE_PATTERN)
    }
  })

  it("truncates huge messages", () => {
    const report = ErrorReport.fromCause(Cause.fail(new Error("x".repeat(1_000_000))))
    expect(report.errorMessage.length).toBeLessThan(70_000)
  })
})

describe("ErrorReport encoding", () => {
  it("writes the body with errorType, errorMessage and stackTrace", () => {
    const report = ErrorReport.fromCause(Cause.fail(new NotFound({ message: "m" })))
    expect(Object.keys(JSON.parse(ErrorReport.toBody(report)))).toEqual(["errorType", "errorMessage", "stackTrace"])
  })

  it("writes an ASCII X-Ray cause within 8 KiB, with parsed frames", () => {
    const error = new Error("ünïcödé \u007f message")
    const report = ErrorReport.fromCause(Cause.die(error))
    const header = ErrorReport.toXRayCause(report)
    expect(header).toMatch(/^[\x20-\x7e]*$/)
    const json = JSON.parse(header)
    expect(json.working_directory).toBe(process.cwd())
    expect(json.exceptions[0].type).toBe("Error")
    expect(json.exceptions[0].message).toBe("ünïcödé \u007f message")
    expect(json.exceptions[0].stack[0]).toMatchObject({
      line: expect.any(Number),
      path: expect.stringContaining("ErrorReport.test.ts")
    })
    expect(json.paths).toContain(json.exceptions[0].stack[0].path)

    const huge = {
      ...report,
      stackTrace: Array.from(
        { length: 5000 },
        (_, i) => `    at fn${i} (/a/very/long/path/to/some/module/file${i}.js:${i}:1)`
      )
    }
    expect(ErrorReport.toXRayCause(huge).length).toBeLessThanOrEqual(8 * 1024)
  })
})
