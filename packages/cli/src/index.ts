/**
 * @since 0.1.0
 */

/**
 * The `effect-lambda` command tree: `start`, `invoke`, `watch`, `new` and `build`.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * Errors of the command and their one-line messages.
 *
 * @since 0.1.0
 */
export * as CliError from "./CliError.js"
