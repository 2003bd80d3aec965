/**
 * The console and the invoke store of AWS's Node.js client (aws-lambda-ric 4.x,
 * `dist/logging/*`, `@aws/lambda-invoke-store`), for plain handlers run by the drop-in runner:
 * `console.*` lines carry the time, the request id and the level, in `AWS_LAMBDA_LOG_FORMAT`
 * (Text or JSON) and filtered by `AWS_LAMBDA_LOG_LEVEL`, exactly as under AWS's managed runtime.
 *
 * @internal
 */
import { InvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store"
import * as fs from "node:fs"
import { format } from "node:util"
import { formatError } from "./userFunction.js"

/**
 * The invoke store of the process: what `@aws/lambda-invoke-store` gives (the instance
 * published as `globalThis.awslambda.InvokeStore`, or a new one), created before the user's code
 * loads, as AWS's client does (`LogPatch.patchConsole` -> `InvokeStore.getInstanceAsync()`): a
 * copy of the package bundled with the function (Powertools >= 2.29, the AWS SDK) then finds this
 * instance and reads the current invocation from it. With `AWS_LAMBDA_MAX_CONCURRENCY` set, it
 * is the AsyncLocalStorage-based store, so invocations served at once each see their own.
 *
 * @internal
 */
export const initInvokeStore = async (): Promise<InvokeStoreBase> => (instance ??= await InvokeStore.getInstanceAsync())
let instance: InvokeStoreBase | undefined

/**
 * The store `initInvokeStore` made.
 *
 * @internal
 */
export const invokeStore = (): InvokeStoreBase => {
  if (instance === undefined) throw new Error("the invoke store is used before initInvokeStore")
  return instance
}

/**
 * Runs `fn` with the invocation's request id, trace id and tenant id in the store, as AWS's
 * client does per invoke (aws-lambda-ric 4.x sets the first two; the tenant id is the store's own
 * protected key, for tenant-isolated functions).
 *
 * @internal
 */
export const runWithInvokeContext = <A>(
  requestId: string,
  xRayTraceId: string | undefined,
  tenantId: string | undefined,
  fn: () => A
): A => {
  const context: Record<symbol, unknown> = {
    [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId,
    [InvokeStoreBase.PROTECTED_KEYS.X_RAY_TRACE_ID]: xRayTraceId
  }
  if (tenantId !== undefined) context[InvokeStoreBase.PROTECTED_KEYS.TENANT_ID] = tenantId
  return invokeStore().run(context, fn)
}

interface Level {
  readonly name: string
  readonly priority: number
  readonly tlvMask: number
}

const LOG_LEVEL: Record<string, Level> = {
  TRACE: { name: "TRACE", priority: 1, tlvMask: 4 },
  DEBUG: { name: "DEBUG", priority: 2, tlvMask: 8 },
  INFO: { name: "INFO", priority: 3, tlvMask: 12 },
  WARN: { name: "WARN", priority: 4, tlvMask: 16 },
  ERROR: { name: "ERROR", priority: 5, tlvMask: 20 },
  FATAL: { name: "FATAL", priority: 6, tlvMask: 24 }
}

const FRAME_TYPE_TEXT = 0xa55a0003
const FRAME_TYPE_JSON = 0xa55a0002

const jsonErrorReplacer = (_key: string, value: unknown) => {
  if (value instanceof Error) {
    return Object.assign({
      errorType: value?.constructor?.name ?? "UnknownError",
      errorMessage: value.message,
      stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack
    }, value)
  }
  return value
}

const formatText = (timestamp: string, requestId: string, level: Level, message: unknown, params: Array<unknown>) =>
  [timestamp, requestId, level.name, format(message, ...params)].join("\t")

const formatJson = (
  timestamp: string,
  requestId: string,
  tenantId: unknown,
  level: Level,
  message: unknown,
  params: Array<unknown>
): string => {
  const result: Record<string, unknown> = { timestamp, level: level.name, requestId }
  if (tenantId) result.tenantId = tenantId
  if (params.length === 0) {
    result.message = message
    try {
      return JSON.stringify(result, jsonErrorReplacer)
    } catch {
      result.message = format(result.message)
      return JSON.stringify(result)
    }
  }
  result.message = format(message, ...params)
  for (const param of params) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? "UnknownError"
      result.errorMessage = param.message
      result.stackTrace = typeof param.stack === "string" ? param.stack.split("\n") : []
      break
    }
  }
  return JSON.stringify(result)
}

let json = false

/**
 * Replaces `console.trace|debug|info|warn|error|fatal|log` with Lambda's structured lines. Levels
 * below `AWS_LAMBDA_LOG_LEVEL` become no-ops; `_LAMBDA_TELEMETRY_LOG_FD`, when Lambda passes one,
 * receives framed records instead of stdout.
 *
 * @internal
 */
export const patchConsole = (): void => {
  json = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON"
  const envLevel = process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()
  const minLevel = envLevel && envLevel in LOG_LEVEL ? LOG_LEVEL[envLevel]! : LOG_LEVEL.TRACE!
  const store = invokeStore()
  const rawFd = process.env._LAMBDA_TELEMETRY_LOG_FD
  delete process.env._LAMBDA_TELEMETRY_LOG_FD
  const fdNumber = Number(rawFd)
  const telemetryFd = Number.isInteger(fdNumber) && fdNumber >= 0 ? fdNumber : undefined
  const header = Buffer.alloc(16)

  const write = (level: Level, message: unknown, params: Array<unknown>) => {
    const now = new Date()
    const requestId = store.getRequestId()
    const tenantId = store.getTenantId() || ""
    if (telemetryFd) {
      const line = json
        ? formatJson(now.toISOString(), requestId, tenantId, level, message, params)
        : formatText(now.toISOString(), requestId, level, message, params) + "\n"
      const bytes = Buffer.from(line, "utf8")
      header.writeUInt32BE(((json ? FRAME_TYPE_JSON : FRAME_TYPE_TEXT) | level.tlvMask) >>> 0, 0)
      header.writeInt32BE(bytes.length, 4)
      header.writeBigInt64BE(BigInt(now.valueOf()) * 1000n, 8)
      fs.writeSync(telemetryFd, header)
      fs.writeSync(telemetryFd, bytes)
      return
    }
    const line = json
      ? formatJson(now.toISOString(), requestId, tenantId, level, message, params)
      : formatText(now.toISOString(), requestId, level, message, params)
    process.stdout.write(line.replace(/\n/g, "\r") + "\n")
  }
  const make = (level: Level) =>
    level.priority >= minLevel.priority
      ? (message?: unknown, ...params: Array<unknown>) => write(level, message, params)
      : () => {}
  const c = console as unknown as Record<string, unknown>
  c.trace = make(LOG_LEVEL.TRACE!)
  c.debug = make(LOG_LEVEL.DEBUG!)
  c.info = make(LOG_LEVEL.INFO!)
  c.warn = make(LOG_LEVEL.WARN!)
  c.error = make(LOG_LEVEL.ERROR!)
  c.fatal = make(LOG_LEVEL.FATAL!)
  c.log = c.info
}

const withEnumerableProperties = (error: unknown) => {
  if (error instanceof Error) {
    const ret: Record<string, unknown> = Object.assign<Record<string, unknown>, Error>({
      errorType: error.name,
      errorMessage: error.message,
      code: (error as NodeJS.ErrnoException).code
    }, error)
    if (typeof error.stack === "string") ret.stack = error.stack.split("\n")
    return ret
  }
  return error
}

const intoError = (err: unknown): Error => err instanceof Error ? err : new Error(String(err))

/**
 * `Init Error` / `Invoke Error` lines, through the (patched) `console.error`: Text gets
 * `message<TAB>{json}`, JSON gets the error itself.
 *
 * @internal
 */
export const logError = (message: string, err: unknown): void => {
  const error = intoError(err)
  if (json) {
    console.error(error)
    return
  }
  let formatted: string
  try {
    formatted = "\t" + JSON.stringify(error, (_k, v) => withEnumerableProperties(v))
  } catch {
    formatted = "\t" + JSON.stringify(formatError(error))
  }
  console.error(message, formatted)
}
