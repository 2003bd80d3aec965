import { EmulatorError } from "@effect-lambda/emulator"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as CliError from "../src/CliError.js"

describe("CliError", () => {
  const errors: ReadonlyArray<[unknown, RegExp]> = [
    [new CliError.FunctionDirNotFound({ dir: "examples/nope" }), /^no executable bootstrap in examples\/nope/],
    [new CliError.MissingBootstrap({ dir: "fn", reason: "missing" }), /^no executable bootstrap in fn$/],
    [new CliError.MissingBootstrap({ dir: "fn", reason: "not-executable" }), /chmod \+x/],
    [
      new CliError.BuildFailed({ dir: "fn", command: "npm run build", reason: "exited with code 2" }),
      /^build failed in fn/
    ],
    [
      new CliError.InvalidEvent({ source: "--event", reason: "Unexpected token\nat line 2" }),
      /^event from --event is not valid JSON: Unexpected token$/
    ],
    [new CliError.EventUnreadable({ source: "e.json", reason: "no such file" }), /^cannot read event from e.json/],
    [new CliError.ConflictingEventOptions({ options: ["--event", "--event-file"] }), /either --event or --event-file/],
    [new CliError.InvalidEnv({ value: "X" }), /KEY=VALUE, got 'X'/],
    [new CliError.FunctionFailed({ functionError: "Unhandled", errorType: "Boom" }), /returned an error \(Boom\)/],
    [new CliError.FunctionFailed({ functionError: "Unhandled" }), /returned an error \(Unhandled\)/],
    [
      new CliError.InvokeFailed({ statusCode: 413, body: "{\"Type\":\"User\",\"message\":\"too big\"}" }),
      /\(HTTP 413\): too big$/
    ],
    [new EmulatorError.PortInUse({ host: "127.0.0.1", port: 9001 }), /^port 9001 on 127.0.0.1 is already in use/],
    [
      new EmulatorError.ListenFailed({ host: "10.9.9.9", port: 1, reason: "EADDRNOTAVAIL" }),
      /^cannot listen on 10.9.9.9:1/
    ],
    [new EmulatorError.BootstrapNotFound({ path: "/x/bootstrap", reason: "missing" }), /bootstrap at \/x\/bootstrap/],
    [new EmulatorError.EmulatorStopped(), /emulator stopped/],
    [new Error("some\nstack"), /^some$/],
    ["plain string", /^plain string$/]
  ]

  it("every error is one line", () => {
    for (const [error, pattern] of errors) {
      const message = CliError.toMessage(error)
      expect(message).toMatch(pattern)
      expect(message).not.toContain("\n")
    }
  })

  it("errors are known by identity, not by their tag's text", () => {
    const error = new CliError.InvalidEnv({ value: "X" })
    expect(CliError.isCliError(error)).toBe(true)
    expect(error.message).toBe("--env expects KEY=VALUE, got 'X'")
    // A look-alike with the same tag and fields is not ours, and is shown with its own message.
    const lookAlike = { _tag: "InvalidEnv", value: "X", message: "theirs" }
    expect(CliError.isCliError(lookAlike)).toBe(false)
    expect(CliError.toMessage(lookAlike)).toBe("InvalidEnv: theirs")
  })

  it("describeCause: failures and defects get a line, interruption none", () => {
    expect(CliError.describeCause(Cause.fail(new CliError.InvalidEnv({ value: "X" })))).toEqual(
      Option.some("effect-lambda: --env expects KEY=VALUE, got 'X'")
    )
    expect(CliError.describeCause(Cause.die(new TypeError("bad\n    at x")))).toEqual(
      Option.some("effect-lambda: unexpected error: bad")
    )
    expect(CliError.describeCause(Cause.interrupt(FiberId.none))).toEqual(Option.none())
  })
})
