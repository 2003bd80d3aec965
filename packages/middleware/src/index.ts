/**
 * @effect-lambda/middleware: HTTP, batch and tracing middleware for effect-lambda handlers.
 * Kept out of `@effect-lambda/runtime` so that a function that needs none of it does not load
 * (or bundle) `@effect/platform`'s HTTP modules or the event Schemas.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as HttpHandler from "./HttpHandler.js"

/**
 * Effect's `Metric` values as CloudWatch Embedded Metric Format records, flushed once per
 * invocation before its response.
 *
 * @since 0.1.0
 */
export * as Metrics from "./Metrics.js"
/** @since 0.1.0 */
export * as SqsBatch from "./SqsBatch.js"
/** @since 0.1.0 */
export * as StreamBatch from "./StreamBatch.js"

/**
 * Structured JSON logs with Powertools' keys, debug sampling per invocation.
 *
 * @since 0.1.0
 */
export * as StructuredLogger from "./StructuredLogger.js"
/** @since 0.1.0 */
export * as Tracing from "./Tracing.js"
