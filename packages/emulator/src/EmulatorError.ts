/**
 * Typed failures of the emulator: starting its server, finding the function's `bootstrap`,
 * and invoking after it stopped.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The port asked for is taken by another process (`EADDRINUSE`).
 *
 * @since 0.1.0
 * @category errors
 */
export class PortInUse extends Schema.TaggedError<PortInUse>()("PortInUse", {
  host: Schema.String,
  port: Schema.Number
}) {
  get message(): string {
    return `Port ${this.port} on ${this.host} is already in use (port 0 picks a free one)`
  }
}

/**
 * The HTTP server could not listen for another reason than a taken port (bad host, no permission).
 *
 * @since 0.1.0
 * @category errors
 */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  host: Schema.String,
  port: Schema.Number,
  reason: Schema.String
}) {
  get message(): string {
    return `Cannot listen on ${this.host}:${this.port}: ${this.reason}`
  }
}

/**
 * The function folder has no executable `bootstrap` file.
 *
 * @since 0.1.0
 * @category errors
 */
export class BootstrapNotFound extends Schema.TaggedError<BootstrapNotFound>()("BootstrapNotFound", {
  path: Schema.String,
  reason: Schema.Literal("missing", "not-a-file", "not-executable")
}) {
  get message(): string {
    switch (this.reason) {
      case "missing":
        return `No bootstrap file at ${this.path}`
      case "not-a-file":
        return `${this.path} is not a file; a function folder needs an executable bootstrap file`
      case "not-executable":
        return `${this.path} is not executable (chmod +x it)`
    }
  }
}

/**
 * The env file given for the function cannot be read, or holds a line that is not `KEY=VALUE`.
 *
 * @since 0.1.0
 * @category errors
 */
export class EnvFileInvalid extends Schema.TaggedError<EnvFileInvalid>()("EnvFileInvalid", {
  path: Schema.String,
  reason: Schema.String
}) {
  get message(): string {
    return `Cannot use the env file ${this.path}: ${this.reason}`
  }
}

/**
 * `invoke` was called on an emulator whose scope has closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class EmulatorStopped extends Schema.TaggedError<EmulatorStopped>()("EmulatorStopped", {}) {
  get message(): string {
    return "The emulator has stopped"
  }
}

/**
 * Any failure of the emulator.
 *
 * @since 0.1.0
 * @category errors
 */
export type EmulatorError = PortInUse | ListenFailed | BootstrapNotFound | EnvFileInvalid | EmulatorStopped
