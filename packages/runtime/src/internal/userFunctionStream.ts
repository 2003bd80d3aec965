/**
 * Response streaming for plain handlers, as aws-lambda-ric 4.x does it (`dist/stream/*`): the
 * handler writes to the `POST .../response` request itself (a `node:http` ClientRequest seen
 * through a narrowed facade), a failure after the first byte travels in the
 * `Lambda-Runtime-Function-Error-Type` / `-Body` trailers, and `awslambda.HttpResponseStream.from`
 * prepends the JSON prelude and the 8 NUL bytes the Function URL front expects.
 *
 * @internal
 */
import type * as Http from "node:http"
import * as net from "node:net"
import {
  formatError,
  HANDLER_HIGHWATERMARK,
  HANDLER_STREAMING,
  InvalidStreamingOperationError
} from "./userFunction.js"

const TRAILER_NAME_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
const TRAILER_NAME_ERROR_BODY = "Lambda-Runtime-Function-Error-Body"

const WRITABLE_METHODS = [
  "cork",
  "destroy",
  "end",
  "uncork",
  "write",
  "addListener",
  "on",
  "once",
  "prependListener",
  "prependOnceListener",
  "off",
  "removeListener",
  "removeAllListeners",
  "setMaxListeners",
  "getMaxListeners",
  "listeners",
  "rawListeners",
  "listenerCount",
  "eventNames",
  "emit",
  "setContentType"
] as const
const PROPS_READ_WRITE = ["destroyed", "_onBeforeFirstWrite"]
const PROPS_READ_ONLY = [
  "writableFinished",
  "writableObjectMode",
  "writableEnded",
  "writableNeedDrain",
  "writableHighWaterMark",
  "writableCorked",
  "writableLength",
  "writable"
]

/** The object a streaming handler writes to. @internal */
export type ResponseStream = Record<string, any>

const failers = new WeakMap<object, (error: unknown) => Promise<void>>()

/** Ends a stream with the error trailers; false when the stream is not one of ours. @internal */
export const failStream = async (stream: object, error: unknown): Promise<boolean> => {
  const fail = failers.get(stream)
  if (fail === undefined) return false
  await fail(error)
  return true
}

/** @internal */
export interface OpenedStream {
  readonly stream: ResponseStream
  /** The Runtime API's answer, once the request body ended (its bytes). */
  readonly responseDone: Promise<Buffer | undefined>
}

/**
 * Opens the streamed `POST /runtime/invocation/{id}/response`.
 *
 * @internal
 */
export const open = (
  http: typeof Http,
  agent: Http.Agent,
  options: {
    readonly hostname: string
    readonly port: number
    readonly path: string
    readonly highWaterMark: number | undefined
  }
): OpenedStream => {
  let written = false
  let resolveDone!: (body: Buffer | undefined) => void
  let rejectDone!: (error: unknown) => void
  const responseDone = new Promise<Buffer | undefined>((resolve, reject) => {
    resolveDone = resolve
    rejectDone = reject
  })
  // Unobserved when the handler fails first: that must not become an unhandled rejection.
  responseDone.catch(() => {}) // AWS's client sizes the socket buffer with the handler's highWaterMark.
  ;(agent as unknown as { createConnection: unknown }).createConnection = (
    opts: net.NetConnectOpts,
    listener: () => void
  ) =>
    net.createConnection({ ...opts, highWaterMark: options.highWaterMark } as unknown as net.NetConnectOpts, listener)
  const req = http.request({
    method: "POST",
    hostname: options.hostname,
    port: options.port,
    path: options.path,
    agent,
    headers: {
      "Lambda-Runtime-Function-Response-Mode": "streaming",
      Trailer: [TRAILER_NAME_ERROR_TYPE, TRAILER_NAME_ERROR_BODY],
      "Content-Type": "application/octet-stream",
      "Transfer-Encoding": "chunked"
    }
  }, (res) => {
    let buf: Buffer | undefined
    res.on("data", (chunk: Buffer) => {
      buf = buf === undefined ? chunk : Buffer.concat([buf, chunk])
    })
    res.on("aborted", (err: unknown) => {
      rejectDone(err)
      req.destroy(err as Error)
    })
    res.on("end", () => resolveDone(buf))
  })
  req.on("error", (err) => {
    rejectDone(err)
    req.destroy(err)
  })
  const anyReq = req as any
  anyReq.setContentType = (contentType: string) => {
    if (written) throw new InvalidStreamingOperationError("Cannot set content-type, too late.")
    req.setHeader("Content-Type", contentType)
  }
  const origWrite = req.write.bind(req) as (...args: Array<any>) => boolean
  anyReq.write = (chunk: unknown, encoding?: unknown, callback?: unknown) => {
    let data = chunk
    if (typeof chunk !== "string" && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) {
      data = JSON.stringify(chunk)
    }
    if (!written && typeof anyReq._onBeforeFirstWrite === "function") {
      anyReq._onBeforeFirstWrite((ch: unknown) => origWrite(ch))
    }
    const ret = origWrite(data, encoding, callback)
    written = true
    return ret
  }
  const stream: ResponseStream = {}
  for (const method of WRITABLE_METHODS) stream[method] = anyReq[method].bind(req)
  for (const p of PROPS_READ_WRITE) {
    Object.defineProperty(stream, p, {
      get: () => anyReq[p],
      set: (v) => {
        anyReq[p] = v
      }
    })
  }
  for (const p of PROPS_READ_ONLY) Object.defineProperty(stream, p, { get: () => anyReq[p] })
  failers.set(stream, async (err) => {
    const error = formatError(err)
    req.addTrailers({
      [TRAILER_NAME_ERROR_TYPE]: error.errorType,
      [TRAILER_NAME_ERROR_BODY]: Buffer.from(JSON.stringify(error)).toString("base64")
    })
    await new Promise<void>((resolve) => req.end(resolve))
  })
  return { stream, responseDone }
}

const METADATA_PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
const DELIMITER_LEN = 8

/**
 * `awslambda.HttpResponseStream`: `from(stream, prelude)` sets the integration content type and
 * writes the prelude and 8 NUL bytes before the first chunk.
 *
 * @internal
 */
export class HttpResponseStream {
  static from(underlyingStream: ResponseStream, prelude: unknown): ResponseStream {
    underlyingStream.setContentType(METADATA_PRELUDE_CONTENT_TYPE)
    const metadataPrelude = JSON.stringify(prelude)
    underlyingStream._onBeforeFirstWrite = (write: (chunk: unknown) => void) => {
      write(metadataPrelude)
      write(new Uint8Array(DELIMITER_LEN))
    }
    return underlyingStream
  }
}

/**
 * Publishes `globalThis.awslambda` (`streamifyResponse`, `HttpResponseStream`; the
 * `InvokeStore` is `initInvokeStore`'s) unless `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` is `1` or `true`.
 *
 * @internal
 */
export const setupGlobals = (): void => {
  const flag = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA
  if (flag === "1" || flag === "true") return
  const g = globalThis as { awslambda?: Record<string, unknown> }
  g.awslambda = {
    ...g.awslambda,
    streamifyResponse: (handler: any, options?: { highWaterMark?: unknown }) => {
      handler[HANDLER_STREAMING] = "response"
      if (typeof options?.highWaterMark === "number") {
        handler[HANDLER_HIGHWATERMARK] = parseInt(String(options.highWaterMark))
      }
      return handler
    },
    HttpResponseStream
  }
}
