/**
 * @since 0.1.0
 */
export * as Harness from "./Harness.js"

/**
 * @since 0.1.0
 */
export * as Soak from "./Soak.js"
