/**
 * The files of `effect-lambda new <name> --template ...`. Each template is a function folder that
 * builds (`build` script -> dist/main.mjs, started by `bootstrap`), tests with the test kit and
 * runs under `effect-lambda start` as generated.
 *
 * @internal
 */
import { version } from "../version.js"
import * as Hello from "./hello.js"
import * as HttpApi from "./httpApi.js"
import * as Sqs from "./sqs.js"
import * as Streaming from "./streaming.js"

/** @internal */
export type TemplateName = "hello" | "http-api" | "sqs" | "streaming"

/** @internal */
export const templateNames: ReadonlyArray<TemplateName> = ["hello", "http-api", "sqs", "streaming"]

/**
 * What a template contributes; the shared files (package.json, bootstrap, tsconfig, ...) are
 * the same for all.
 *
 * @internal
 */
export interface Template {
  readonly description: string
  /** Packages beyond `@effect-lambda/runtime` and `effect`. */
  readonly dependencies: ReadonlyArray<string>
  readonly files: Readonly<Record<string, string>>
  /** The event for the README's `effect-lambda invoke` line. */
  readonly sampleEvent: string
  /** Extra README lines: how to call it. */
  readonly readme: string
}

/** @internal */
export const templates: Readonly<Record<TemplateName, Template>> = {
  hello: Hello.template,
  "http-api": HttpApi.template,
  sqs: Sqs.template,
  streaming: Streaming.template
}

/**
 * The entry that `bootstrap` starts, the same in every template: the layer is where the
 * function's services (clients, config) are built once at init.
 *
 * @internal
 */
export const mainTs = `// Entry of the bundle that \`bootstrap\` starts: init once, then the invocation loop.
import { LambdaRuntime } from "@effect-lambda/runtime"
import * as Layer from "effect/Layer"
import { handler } from "./handler.js"

LambdaRuntime.runMain(handler, Layer.empty)
`

/**
 * Published ranges of the packages a generated function depends on, when not in this workspace.
 * The @effect-lambda packages are versioned together (.changeset/config.json `fixed`), so this
 * CLI's own version names the release they all belong to.
 *
 * @internal
 */
export const publishedVersions: Readonly<Record<string, string>> = {
  "@effect-lambda/runtime": `^${version}`,
  "@effect-lambda/middleware": `^${version}`,
  "@effect-lambda/testing": `^${version}`,
  "@effect-lambda/cli": `^${version}`,
  effect: "^3.22.4",
  "@effect/platform": "^0.97.2",
  "@effect/vitest": "^0.30.0",
  vitest: "~3.2.7",
  esbuild: "^0.25.9",
  typescript: "~5.9.3",
  "@types/node": "^22.0.0"
}
