// The drop-in runner's error classes are AWS's client's (aws-lambda-ric 4.x
// `dist/utils/errors.js`): the instance's `name` is the report's `errorType`, and the class's own
// name is what a JSON `Init Error` / `Invoke Error` console line shows as `errorType` (read from
// `constructor.name`), so both must be the client's, including its two classes without the
// `Error` suffix.
import { describe, expect, it } from "@effect/vitest"
import * as UserFunction from "../src/internal/userFunction.js"

describe("the drop-in runner's error classes", () => {
  const classes = [
    [UserFunction.MalformedHandlerNameError, "MalformedHandlerNameError", "Runtime.MalformedHandlerName"],
    [UserFunction.HandlerNotFoundError, "HandlerNotFoundError", "Runtime.HandlerNotFound"],
    [UserFunction.MalformedStreamingHandlerError, "MalformedStreamingHandler", "Runtime.MalformedStreamingHandler"],
    [
      UserFunction.CallbackHandlerDeprecatedError,
      "CallbackHandlerDeprecatedError",
      "Runtime.CallbackHandlerDeprecated"
    ],
    [UserFunction.PlatformError, "PlatformError", "Runtime.PlatformError"],
    [UserFunction.JSONStringifyError, "JSONStringifyError", "Runtime.JSONStringifyError"],
    [UserFunction.InvalidStreamingOperationError, "InvalidStreamingOperation", "Runtime.InvalidStreamingOperation"]
  ] as const

  for (const [ErrorClass, className, errorType] of classes) {
    it(`${className}: named ${errorType}, its own class, an Error`, () => {
      const error = new ErrorClass("the message")
      expect(error).toBeInstanceOf(Error)
      expect(error).toBeInstanceOf(ErrorClass)
      expect(error.name).toBe(errorType)
      expect(error.constructor.name).toBe(className)
      expect(error.message).toBe("the message")
      expect(error.stack?.split("\n")[0]).toBe(`${errorType}: the message`)
      expect(UserFunction.formatError(error)).toMatchObject({ errorType, errorMessage: "the message" })
    })
  }

  it("each class is its own: an instance of one is not an instance of another", () => {
    expect(new UserFunction.PlatformError("x")).not.toBeInstanceOf(UserFunction.HandlerNotFoundError)
  })
})
