// Properties of the pure parts: no input makes them throw, and their outputs keep their contracts.
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import fc from "fast-check"
import * as ErrorReport from "../src/ErrorReport.js"
import * as Invocation from "../src/Invocation.js"
import * as ResponseStream from "../src/ResponseStream.js"

const headerName = fc.oneof(
  fc.constantFrom(
    "lambda-runtime-aws-request-id",
    "lambda-runtime-deadline-ms",
    "lambda-runtime-invoked-function-arn",
    "lambda-runtime-trace-id",
    "lambda-runtime-client-context",
    "lambda-runtime-cognito-identity",
    "lambda-runtime-aws-tenant-id",
    "content-type"
  ),
  fc.string()
)
const headerValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined), fc.json())
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 10 })

const anyError: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.string().map((message) => new Error(message)),
  fc.tuple(fc.string(), fc.string()).map(([tag, message]) => ({ _tag: tag, message })),
  fc.tuple(fc.string(), fc.anything()).map(([tag, extra]) => ({ _tag: tag, extra })),
  fc.string().map((name) => Object.assign(new Error("x"), { name }))
)

const cause: fc.Arbitrary<Cause.Cause<unknown>> = fc.letrec((tie) => ({
  cause: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(Cause.empty),
    anyError.map(Cause.fail),
    anyError.map(Cause.die),
    fc.nat().map((id) => Cause.interrupt(FiberId.make(id, 0))),
    fc.tuple(tie("cause"), tie("cause")).map(([a, b]) =>
      Cause.sequential(a as Cause.Cause<unknown>, b as Cause.Cause<unknown>)
    ),
    fc.tuple(tie("cause"), tie("cause")).map(([a, b]) =>
      Cause.parallel(a as Cause.Cause<unknown>, b as Cause.Cause<unknown>)
    )
  )
})).cause

describe("properties", () => {
  it("Invocation.decode: any header map decodes or gives InvalidInvocation, never throws", () => {
    fc.assert(
      fc.property(headers, fc.uint8Array({ maxLength: 64 }), (h, body) => {
        const decoded = Invocation.decode(h as Invocation.Headers, body)
        if (Either.isRight(decoded)) {
          expect(decoded.right.requestId.length).toBeGreaterThan(0)
          expect(Number.isSafeInteger(decoded.right.deadlineMs)).toBe(true)
        } else {
          expect(decoded.left._tag).toBe("InvalidInvocation")
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("Invocation.decode: a well-formed answer always decodes", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.nat({ max: 2 ** 52 }),
        fc.option(fc.json()),
        (id, deadline, context) => {
          const decoded = Invocation.decode({
            "lambda-runtime-aws-request-id": id,
            "lambda-runtime-deadline-ms": String(deadline),
            ...(context === null ? {} : { "lambda-runtime-client-context": context })
          }, new Uint8Array())
          expect(Either.isRight(decoded)).toBe(true)
          if (Either.isRight(decoded)) expect(decoded.right.deadlineMs).toBe(deadline)
        }
      )
    )
  })

  it("ErrorReport: any cause maps to a valid body and a header Lambda keeps, in both phases", () => {
    fc.assert(
      fc.property(cause, fc.constantFrom("invoke", "init") as fc.Arbitrary<ErrorReport.Phase>, (c, phase) => {
        const report = ErrorReport.fromCause(c, phase)
        expect(report.header).toMatch(ErrorReport.ERROR_TYPE_PATTERN)
        const body = JSON.parse(ErrorReport.toBody(report))
        expect(Object.keys(body)).toEqual(["errorType", "errorMessage", "stackTrace"])
        expect(typeof body.errorType).toBe("string")
        expect(typeof body.errorMessage).toBe("string")
        expect(body.stackTrace.every((line: unknown) => typeof line === "string")).toBe(true)
        const xray = ErrorReport.toXRayCause(report)
        expect(xray).toMatch(/^[\x20-\x7e]*$/)
        expect(xray.length).toBeLessThanOrEqual(8 * 1024)
        expect(JSON.parse(xray).exceptions[0].type).toBe(report.errorType)
        const trailers = ResponseStream.trailers(report)
        expect(JSON.parse(Buffer.from(trailers["Lambda-Runtime-Function-Error-Body"], "base64").toString())).toEqual(
          body
        )
      }),
      { numRuns: 1000 }
    )
  })

  it("sanitiseTag: any string gives the [A-Z][a-zA-Z]+ form", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (tag) => {
        expect(`Function.${ErrorReport.sanitiseTag(tag)}`).toMatch(ErrorReport.ERROR_TYPE_PATTERN)
      }),
      { numRuns: 2000 }
    )
  })
})
