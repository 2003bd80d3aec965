/**
 * @effect-lambda/testing: test Lambda handlers and the runtime without a network.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as LambdaTest from "./LambdaTest.js"
/** @since 0.1.0 */
export * as MockRuntimeApi from "./MockRuntimeApi.js"
/** @since 0.1.0 */
export * as EventBuilders from "./EventBuilders.js"
