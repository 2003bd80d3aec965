/**
 * The drop-in runner's loop: aws-lambda-ric 4.x's loop (`dist/runtime/*`,
 * `dist/utils/runtime-setup.js`), step for step, on this package's Runtime API transport; with
 * `AWS_LAMBDA_MAX_CONCURRENCY`, that many loops at once (`concurrency`).
 *
 * init: `awslambda` globals -> invoke store -> console patch -> environment -> load the handler (an init
 * failure is logged as `Init Error`, posted to `/init/error` with its type in
 * `Lambda-Runtime-Function-Error-Type`, and ends the process); then forever: `next` -> context ->
 * handler -> (one macrotask later) `/response`, or `Invoke Error` and `/error` with the
 * `{ errorType, errorMessage, trace }` body and no error-type header, as AWS's client sends.
 *
 * What AWS's client leaves to Node, so does this: an exception thrown outside the handler's
 * promise, or an event that is not JSON, ends the process (Lambda reports `Runtime.ExitError`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Http from "node:http"
import * as SocketTransport from "./socketTransport.js"
import * as TraceEnv from "./traceEnv.js"
import type * as Transport from "./transport.js"
import { parseAddress } from "./transport.js"
import {
  formatError,
  formatXRayError,
  load,
  PlatformError,
  serializeToJSON,
  type UserFunction,
  type UserHandler
} from "./userFunction.js"
import { initInvokeStore, logError, patchConsole, runWithInvokeContext } from "./userFunctionConsole.js"
import * as UserStream from "./userFunctionStream.js"

const PREFIX = "/2018-06-01/runtime"

const REQUIRED_ENV_VARS = [
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME"
]

/**
 * The `context` argument, field for field and in the order AWS's client builds it. There is no
 * `callbackWaitsForEmptyEventLoop` and no `done`/`succeed`/`fail`: 4.x removed callbacks.
 *
 * @internal
 */
export interface UserContext {
  clientContext: unknown
  identity: unknown
  invokedFunctionArn: string | undefined
  awsRequestId: string
  tenantId: string | undefined
  xRayTraceId: string | undefined
  getRemainingTimeInMillis: () => number
  functionName: string | undefined
  functionVersion: string | undefined
  memoryLimitInMB: string | undefined
  logGroupName: string | undefined
  logStreamName: string | undefined
}

type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const headerOf = (headers: Headers, name: string): string | undefined => {
  const value = headers[name]
  return value === undefined ? undefined : typeof value === "string" ? value : value.join(", ")
}

const parseJsonHeader = (value: string | undefined, name: string): unknown => {
  if (!value) return undefined
  try {
    return JSON.parse(value)
  } catch (error) {
    throw new PlatformError(`Failed to parse ${name} as JSON: ${(error as Error).message}`)
  }
}

/**
 * The context of one invocation from the `next` headers, as AWS's native client surfaces them
 * (a trace id header is always there, empty when Lambda sent none; the optional ones only when
 * non-empty). Also moves the trace id into `_X_AMZN_TRACE_ID`, or removes it.
 *
 * @internal
 */
export const buildContext = (headers: Headers): UserContext => {
  const missing = REQUIRED_ENV_VARS.filter((name) => !process.env[name])
  if (missing.length > 0) throw new PlatformError(`Missing required environment variables: ${missing.join(", ")}`)
  const deadline = parseInt(headerOf(headers, "lambda-runtime-deadline-ms") ?? "0", 10)
  if (isNaN(deadline)) throw new PlatformError("Invalid deadline timestamp")
  const optional = (name: string) => {
    const value = headerOf(headers, name)
    return value === "" ? undefined : value
  }
  const traceId = headerOf(headers, "lambda-runtime-trace-id") ?? ""
  const context: UserContext = {
    clientContext: parseJsonHeader(optional("lambda-runtime-client-context"), "lambda-runtime-client-context"),
    identity: parseJsonHeader(optional("lambda-runtime-cognito-identity"), "lambda-runtime-cognito-identity"),
    invokedFunctionArn: headerOf(headers, "lambda-runtime-invoked-function-arn") ?? "",
    awsRequestId: headerOf(headers, "lambda-runtime-aws-request-id") ?? "",
    tenantId: optional("lambda-runtime-aws-tenant-id"),
    xRayTraceId: traceId,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME
  } // As AWS's client: set, or removed when empty; held in JS memory (see traceEnv) so that a
   // distinct id per invocation does not grow the C environment.
  ;(setTrace ??= TraceEnv.setter())(traceId ? traceId : undefined)
  return context
}

let setTrace: ((traceId: string | undefined) => void) | undefined

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve))

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"

// Header values travel as latin1: non-ASCII JSON is escaped, which JSON reads back the same.
const asciiJson = (json: string) =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** @internal */
export interface Client {
  readonly next: () => Promise<{ readonly headers: Headers; readonly body: Buffer }>
  readonly postResponse: (requestId: string, result: unknown) => Promise<void>
  readonly postError: (requestId: string, error: unknown) => Promise<void>
  readonly postInitError: (error: unknown) => Promise<void>
  readonly openStream: (requestId: string, highWaterMark: number | undefined) => UserStream.OpenedStream
}

/**
 * The Runtime API calls AWS's client makes, on the socket transport. A refused or failed report
 * is ignored as the native client ignores it (the next `next` tells whether the API is still
 * there); `next` failing ends the loop.
 *
 * @internal
 */
export const makeClient = (address: string): Client => {
  const transport: Transport.Transport = SocketTransport.make(address, 1)
  const { hostname, port } = parseAddress(address)
  let http: typeof Http | undefined
  let agent: Http.Agent | undefined
  const nodeHttp = () => {
    http ??= process.getBuiltinModule("node:http") as typeof Http
    agent ??= new http.Agent({ keepAlive: true, maxSockets: 1 })
    return { http, agent }
  }
  const post = (operation: string, path: string, headers: Record<string, string | number>, body: string) =>
    Effect.runPromise(Effect.ignore(transport.request(operation, "POST", path, headers, body)))
  return {
    next: () =>
      Effect.runPromise(
        Effect.flatMap(transport.request("next", "GET", `${PREFIX}/invocation/next`, {}), (response) =>
          response.status === 200
            ? Effect.succeed({ headers: response.headers as Headers, body: response.body })
            : Effect.fail(new Error(`Failed to get next invocation, error ${response.status}`)))
      ),
    postResponse: (requestId, result) => {
      const body = serializeToJSON(result)
      // What the native client throws when JSON.stringify gives no string (a function, a symbol).
      if (typeof body !== "string") throw new TypeError("Wrong arguments")
      return post("response", `${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body)
      }, body)
    },
    postError: (requestId, error) => {
      const body = serializeToJSON(formatError(error))
      const headers: Record<string, string | number> = {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body)
      }
      const xray = asciiJson(formatXRayError(error))
      if (xray !== "" && xray.length <= 64 * 1024) headers["lambda-runtime-function-xray-error-cause"] = xray
      return post("error", `${PREFIX}/invocation/${encodeURIComponent(requestId)}/error`, headers, body)
    },
    postInitError: (error) => {
      const response = formatError(error)
      const body = serializeToJSON(response)
      // The one report AWS's client sends with the error type in a header.
      return post("init/error", `${PREFIX}/init/error`, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "lambda-runtime-function-error-type": response.errorType
      }, body)
    },
    openStream: (requestId, highWaterMark) => {
      const { agent, http } = nodeHttp()
      return UserStream.open(http, agent, {
        hostname,
        port,
        path: `${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`,
        highWaterMark
      })
    }
  }
}

// The processors are classes named as in AWS's client and call the handler as their `handler`
// method: V8 names the user's frame after the receiver (`at BufferedInvokeProcessor.handler`),
// and that line is part of the `trace` a report carries. So a bundle of the runner must keep
// identifiers (esbuild: minifyWhitespace + minifySyntax, not minifyIdentifiers).

class BufferedInvokeProcessor {
  constructor(readonly handler: UserHandler, private readonly client: Client) {}
  async processInvoke(context: UserContext, event: unknown): Promise<void> {
    try {
      const result = await this.handler(event, context)
      await nextMacrotask()
      await this.client.postResponse(context.awsRequestId, result)
    } catch (err) {
      await nextMacrotask()
      logError("Invoke Error", err)
      await this.client.postError(context.awsRequestId, err)
    }
  }
}

class StreamingInvokeProcessor {
  readonly handler: UserHandler
  constructor(private readonly fn: UserFunction, private readonly client: Client) {
    this.handler = fn.handler
  }
  async processInvoke(context: UserContext, event: unknown): Promise<void> {
    const { responseDone, stream } = this.client.openStream(context.awsRequestId, this.fn.metadata.highWaterMark)
    try {
      const handlerResult = this.handler(event, stream, context)
      if (!isPromise(handlerResult)) throw new Error("Streaming does not support non-async handlers.")
      const result = await handlerResult
      if (typeof result !== "undefined") console.warn("Streaming handlers ignore return values.")
      await responseDone
      if (!stream.writableFinished) throw new Error("Response stream is not finished.")
    } catch (err) {
      await nextMacrotask()
      logError("Invoke Error", err)
      void UserStream.failStream(stream, err)
    }
  }
}

/**
 * How many invocations the runner serves at once: `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed
 * Instances), else one. AWS's client serves them from worker threads; here each is a loop of its
 * own (`next` -> handler -> report) on its own connection, in one thread, and the invoke store
 * (AsyncLocalStorage in that mode) keeps each invocation's request id apart.
 *
 * @internal
 */
export const concurrency = (env: NodeJS.ProcessEnv = process.env): number => {
  const n = Number(env.AWS_LAMBDA_MAX_CONCURRENCY)
  return Number.isSafeInteger(n) && n > 1 ? n : 1
}

const serve = async (client: Client, processor: BufferedInvokeProcessor | StreamingInvokeProcessor): Promise<never> => {
  while (true) {
    const { body, headers } = await client.next()
    const context = buildContext(headers)
    const event = JSON.parse(body.toString("utf8"))
    await runWithInvokeContext(
      context.awsRequestId,
      context.xRayTraceId,
      context.tenantId,
      () => processor.processInvoke(context, event)
    )
  }
}

/**
 * Init then serve forever; rejects (and the process should end) on an init failure, a platform
 * error or a failed `next`.
 *
 * @internal
 */
export const start = async (): Promise<never> => {
  UserStream.setupGlobals()
  // Before the user's code loads (as AWS's client): its copy of @aws/lambda-invoke-store must find
  // this store in `globalThis.awslambda`, not make one of its own that the runner never fills.
  await initInvokeStore()
  patchConsole()
  const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API
  const handlerString = process.env._HANDLER
  const taskRoot = process.env.LAMBDA_TASK_ROOT
  if (!runtimeApi) throw new PlatformError("AWS_LAMBDA_RUNTIME_API environment variable is not set")
  if (!handlerString) throw new PlatformError("_HANDLER environment variable is not set")
  if (!taskRoot) throw new PlatformError("LAMBDA_TASK_ROOT environment variable is not set")
  const client = makeClient(runtimeApi)
  let fn: UserFunction
  try {
    fn = await load(taskRoot, handlerString)
  } catch (error) {
    logError("Init Error", error)
    await client.postInitError(error)
    throw error
  }
  const processorOf = (loopClient: Client) =>
    fn.metadata.streaming
      ? new StreamingInvokeProcessor(fn, loopClient)
      : new BufferedInvokeProcessor(fn.handler, loopClient)
  const loops = concurrency()
  if (loops === 1) return serve(client, processorOf(client))
  // The first loop that fails ends the runner (the process exits), as one loop's failure does.
  return Promise.race(Array.from({ length: loops }, (_, i) => {
    const loopClient = i === 0 ? client : makeClient(runtimeApi)
    return serve(loopClient, processorOf(loopClient))
  }))
}
