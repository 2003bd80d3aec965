/**
 * @effect-lambda/runtime: an AWS Lambda runtime for Node.js where the Runtime API is an Effect
 * service and handlers are Effect programs.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ErrorReport from "./ErrorReport.js"
/** @since 0.1.0 */
export * as ExtensionsApi from "./ExtensionsApi.js"
/** @since 0.1.0 */
export * as ExtensionsApiError from "./ExtensionsApiError.js"
/** @since 0.1.0 */
export * as FunctionConfig from "./FunctionConfig.js"
/** @since 0.1.0 */
export * as Handler from "./Handler.js"
/** @since 0.1.0 */
export * as HandlerError from "./HandlerError.js"
/** @since 0.1.0 */
export * as HttpResponseStream from "./HttpResponseStream.js"
/** @since 0.1.0 */
export * as Invocation from "./Invocation.js"
/** @since 0.1.0 */
export * as InvocationHooks from "./InvocationHooks.js"
/** @since 0.1.0 */
export * as LambdaContext from "./LambdaContext.js"
/** @since 0.1.0 */
export * as LambdaExtension from "./LambdaExtension.js"
/** @since 0.1.0 */
export * as LambdaLogger from "./LambdaLogger.js"
/** @since 0.1.0 */
export * as LambdaRuntime from "./LambdaRuntime.js"
/** @since 0.1.0 */
export * as NodeHandler from "./NodeHandler.js"
/** @since 0.1.0 */
export * as ResponseStream from "./ResponseStream.js"
/** @since 0.1.0 */
export * as RuntimeApi from "./RuntimeApi.js"
/** @since 0.1.0 */
export * as RuntimeApiError from "./RuntimeApiError.js"
