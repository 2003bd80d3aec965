import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as EnvFile from "../src/internal/envFile.js"
import { echoFixture, oneErrorLine, runCli, tempDir } from "./helpers.js"

// Local development like `sam local` and cargo-lambda (issue 18): configuration files, sample
// events, the inspector, and streamed responses on the terminal. Each test runs the built binary.
const SLOW = 60_000

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 7
    Environment:
      Variables:
        FROM_GLOBALS: g
        OVERRIDDEN: globals
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Other:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../elsewhere
      MemorySize: 1024
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: main.handler
      MemorySize: 512
      Environment:
        Variables:
          FROM_TEMPLATE: t
          OVERRIDDEN: template
          TABLE: !Ref Table
          ARN: { "Fn::GetAtt": [Table, Arn] }
`

const vars = [
  "FROM_GLOBALS",
  "FROM_TEMPLATE",
  "OVERRIDDEN",
  "FROM_FILE",
  "TABLE",
  "ARN",
  "_HANDLER",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
]

/** A copy of the echo fixture with a template.yaml beside it. */
const withTemplate = (template: string) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    fs.copyFileSync(path.join(echoFixture, "bootstrap"), path.join(dir, "bootstrap"))
    fs.chmodSync(path.join(dir, "bootstrap"), 0o755)
    fs.writeFileSync(path.join(dir, "template.yaml"), template)
    return dir
  })

describe("effect-lambda: template.yaml and --env-file", () => {
  it.live(
    "the SAM function's Environment, Timeout, MemorySize and Handler are the defaults; --env-file and --env win over them",
    () =>
      Effect.gen(function*() {
        const dir = yield* withTemplate(TEMPLATE)
        fs.writeFileSync(path.join(dir, "local.env"), "# comment\nOVERRIDDEN=file\nFROM_FILE=\"quoted value\"\n")
        const r = yield* runCli([
          "invoke",
          dir,
          "--env-file",
          path.join(dir, "local.env"),
          "--event",
          JSON.stringify({ vars })
        ])
        expect(r.code, r.stderr).toBe(0)
        expect(JSON.parse(r.stdout)).toEqual({
          FROM_GLOBALS: "g",
          FROM_TEMPLATE: "t",
          OVERRIDDEN: "file",
          FROM_FILE: "quoted value",
          // deploy-time values are not made up locally
          TABLE: null,
          ARN: null,
          _HANDLER: "main.handler",
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512"
        })
        expect(r.stderr).toMatch(
          /defaults from .*template\.yaml \(EchoFunction\): Timeout 7, MemorySize 512, Handler main\.handler/
        )
        expect(r.stderr).toContain("computed at deploy time: TABLE, ARN")

        const flags = yield* runCli([
          "invoke",
          dir,
          "--env",
          "OVERRIDDEN=flag",
          "--memory",
          "256",
          "--timeout",
          "2",
          "--event",
          JSON.stringify({ vars })
        ])
        expect(flags.code, flags.stderr).toBe(0)
        expect(JSON.parse(flags.stdout)).toMatchObject({ OVERRIDDEN: "flag", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256" })
        const config = yield* runCli(["invoke", dir, "--event", "{\"config\":true}"])
        const deadlineIn = (JSON.parse(config.stdout) as { deadlineIn: number }).deadlineIn
        // Above the default 3 s whatever the machine's load (time passes between the deadline and the
        // function reading it); at most the 7 s asked for.
        expect(deadlineIn).toBeGreaterThan(3_000)
        expect(deadlineIn).toBeLessThanOrEqual(7_000)
      }).pipe(Effect.scoped),
    SLOW
  )

  it.live("a bad template or a missing --env-file is one error line", () =>
    Effect.gen(function*() {
      const dir = yield* withTemplate(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 5000\n"
      )
      const r = yield* runCli(["invoke", dir, "--event", "{}"])
      expect(r.code).toBe(1)
      expect(oneErrorLine(r.stderr), r.stderr).toMatch(
        /template\.yaml: Timeout must be a whole number 1\.\.900, got 5000$/
      )
      // Node itself reads `--env-file` anywhere on its command line, even after the script
      // (nodejs/node#54232), and refuses a missing file before the CLI starts: exit 9 with
      // `node: no/such.env: not found`. Either way the user gets one line naming the file.
      const missing = yield* runCli(["invoke", echoFixture, "--env-file", "no/such.env", "--event", "{}"])
      expect(missing.code).not.toBe(0)
      const lines = missing.stderr.trim().split("\n")
      expect(lines, missing.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(
        /^(effect-lambda: cannot use no\/such\.env: no such file|\S*node: no\/such\.env: not found)$/
      )
      expect(missing.stdout).toBe("")
    }).pipe(Effect.scoped), SLOW)
})

describe("effect-lambda invoke --data-example", () => {
  it.live(
    "builds the event with EventBuilders; list names the sources; an unknown one is an error",
    () =>
      Effect.gen(function*() {
        const r = yield* runCli(["invoke", echoFixture, "--data-example", "sqs"])
        expect(r.code, r.stderr).toBe(0)
        const echoed =
          (JSON.parse(r.stdout) as { echo: { Records: ReadonlyArray<{ eventSource: string; body: string }> } }).echo
        expect(echoed.Records.map((record) => [record.eventSource, record.body])).toEqual([["aws:sqs", "{\"id\":1}"], [
          "aws:sqs",
          "{\"id\":2}"
        ]])

        const list = yield* runCli(["invoke", "--data-example", "list"])
        expect(list.code, list.stderr).toBe(0)
        const names = list.stdout.trim().split("\n").map((line) => line.split(/\s+/)[0])
        expect(names).toEqual([
          "apigw-v1",
          "apigw-v2",
          "alb",
          "function-url",
          "sqs",
          "sns",
          "s3",
          "eventbridge",
          "dynamodb",
          "kinesis",
          "scheduled"
        ])

        const unknown = yield* runCli(["invoke", echoFixture, "--data-example", "sqs2"])
        expect(unknown.code).toBe(1)
        expect(oneErrorLine(unknown.stderr)).toMatch(/unknown --data-example 'sqs2' \(one of apigw-v1, .*scheduled;/)

        const both = yield* runCli(["invoke", echoFixture, "--data-example", "s3", "--event", "{}"])
        expect(oneErrorLine(both.stderr)).toBe(
          "effect-lambda: give the event with either --event or --data-example, not both"
        )
      }),
    SLOW
  )
})

describe("effect-lambda invoke --inspect", () => {
  it.live(
    "starts the function's Node with the inspector on 127.0.0.1 (9229 when no port is given)",
    () =>
      Effect.gen(function*() {
        const r = yield* runCli(["invoke", echoFixture, "--inspect", "0", "--event", "{\"vars\":[\"NODE_OPTIONS\"]}"])
        expect(r.code, r.stderr).toBe(0)
        expect(JSON.parse(r.stdout)).toEqual({ NODE_OPTIONS: "--inspect=127.0.0.1:0" })
        expect(r.stderr).toMatch(/Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//)
        const bare = yield* runCli(["invoke", echoFixture, "--inspect", "--event", "{\"vars\":[\"NODE_OPTIONS\"]}"])
        expect(bare.stderr).toMatch(/127\.0\.0\.1:9229/)
      }),
    SLOW
  )
})

describe("effect-lambda invoke of a streamed HTTP response", () => {
  it.live("prints only the body on stdout (bytes as sent) and the prelude on stderr", () =>
    Effect.gen(function*() {
      const r = yield* runCli(["invoke", echoFixture, "--event", JSON.stringify({ httpStream: "line 1\nline 2\n" })])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe("line 1\nline 2\n")
      expect(r.stderr).toContain(
        "effect-lambda: response {\"statusCode\":201,\"headers\":{\"content-type\":\"text/plain\"}}"
      )
      expect(r.stdout).not.toContain("\u0000")
    }), SLOW)
})

describe("--env-file in process", () => {
  it.effect("a missing file is a typed error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(EnvFile.read("no/such.env"))
      expect(error.message).toBe("cannot use no/such.env: no such file")
    }).pipe(Effect.provide(NodeContext.layer)))
})
