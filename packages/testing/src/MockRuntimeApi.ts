/**
 * An in-memory Runtime API: tests enqueue invocations, run the real loop against it, and read
 * back exactly what the runtime posted (body, content type and headers), with no network.
 *
 * @since 0.1.0
 */
import { ErrorReport, Invocation, ResponseStream, RuntimeApi, RuntimeApiError } from "@effect-lambda/runtime"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"

/**
 * What the runtime posted for one invocation (or for init).
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly _tag: "Response" | "Error"
  readonly requestId: string
  /** The body as posted (UTF-8 text). */
  readonly body: string
  readonly contentType: string | undefined
  /** `Lambda-Runtime-Function-Error-Type` (error reports only). */
  readonly errorType: string | undefined
  /** `Lambda-Runtime-Function-XRay-Error-Cause` (error reports only). */
  readonly xrayCause: string | undefined
  /** Whether the response was streamed. */
  readonly streamed?: boolean
  /** For a streamed response that failed after its first byte: the decoded error trailer. */
  readonly errorBody?: string | undefined
}

/**
 * Options of one queued invocation; every header of a real `next` answer can be set.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvocationOptions {
  readonly requestId?: string
  /** Absolute deadline; default: now (per the Clock) + `timeoutMs`. */
  readonly deadlineMs?: number
  /** Default 3000, Lambda's default function timeout. */
  readonly timeoutMs?: number
  readonly invokedFunctionArn?: string
  readonly traceId?: string
  readonly clientContext?: unknown
  readonly cognitoIdentity?: unknown
  readonly tenantId?: string
  readonly contentType?: string
}

/**
 * Which Runtime API call a fault applies to.
 *
 * @since 0.1.0
 * @category models
 */
export type Operation = "next" | "response" | "error" | "init/error"

/**
 * @since 0.1.0
 * @category models
 */
export interface MockRuntimeApiShape {
  /** Queues an event (JSON-encoded unless it is a string or bytes); returns its request id. */
  readonly enqueue: (event: unknown, options?: InvocationOptions) => Effect.Effect<string>
  /** Queues a raw `next` answer: headers (lower-case names) and body, decoded as the live client does. */
  readonly enqueueRaw: (headers: Invocation.Headers, body?: string | Uint8Array) => Effect.Effect<void>
  /** Waits for the first report of `requestId`. */
  readonly report: (requestId: string) => Effect.Effect<Report>
  /** Every report posted so far, in order (a second post for an id is recorded too, and answered 403). */
  readonly reports: Effect.Effect<ReadonlyArray<Report>>
  /** Waits for `POST /runtime/init/error`. */
  readonly initError: Effect.Effect<Report>
  /** Whether init/error was posted. */
  readonly initErrorPosted: Effect.Effect<Option.Option<Report>>
  /** Makes the next call of `operation` fail with `error` instead of its normal answer. */
  readonly failNext: (operation: Operation, error: RuntimeApiError.RuntimeApiError) => Effect.Effect<void>
  /** How many `next` calls the runtime made. */
  readonly nextCalls: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MockRuntimeApi extends Context.Tag("@effect-lambda/testing/MockRuntimeApi")<
  MockRuntimeApi,
  MockRuntimeApiShape
>() {}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const toBytes = (event: unknown): Uint8Array =>
  event instanceof Uint8Array ? event : encoder.encode(typeof event === "string" ? event : JSON.stringify(event))

let counter = 0
const freshRequestId = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`

const make = Effect.gen(function*() {
  const queue = yield* Queue.unbounded<{ readonly headers: Invocation.Headers; readonly body: Uint8Array }>()
  const reports = yield* Ref.make<ReadonlyArray<Report>>([])
  const waiters = new Map<string, Deferred.Deferred<Report>>()
  const initDeferred = yield* Deferred.make<Report>()
  const faults = new Map<Operation, RuntimeApiError.RuntimeApiError>()
  let nextCalls = 0
  const answered = new Set<string>()

  const waiter = (requestId: string) => {
    let deferred = waiters.get(requestId)
    if (deferred === undefined) {
      deferred = Deferred.unsafeMake<Report>(undefined as never)
      waiters.set(requestId, deferred)
    }
    return deferred
  }

  const takeFault = (operation: Operation): Effect.Effect<void, RuntimeApiError.RuntimeApiError> => {
    const fault = faults.get(operation)
    if (fault === undefined) return Effect.void
    faults.delete(operation)
    return Effect.fail(fault)
  }

  const record = (report: Report): Effect.Effect<void, RuntimeApiError.RuntimeApiError> =>
    Effect.gen(function*() {
      yield* Ref.update(reports, (all) => [...all, report])
      if (answered.has(report.requestId)) {
        return yield* new RuntimeApiError.Forbidden({
          operation: report._tag === "Response" ? "response" : "error",
          errorType: "InvalidStateTransition",
          message: `invocation ${report.requestId} was already answered`
        })
      }
      answered.add(report.requestId)
      yield* Deferred.succeed(waiter(report.requestId), report)
    })

  const api: RuntimeApi.RuntimeApiShape = {
    next: Effect.gen(function*() {
      nextCalls++
      yield* takeFault("next")
      const raw = yield* Queue.take(queue)
      return yield* Invocation.decode(raw.headers, raw.body)
    }),
    respond: (requestId, body, contentType) =>
      Effect.zipRight(
        takeFault("response"),
        record({
          _tag: "Response",
          requestId,
          body: typeof body === "string" ? body : decoder.decode(body),
          contentType,
          errorType: undefined,
          xrayCause: undefined
        })
      ),
    // Streamed responses follow the live client's rules (ResponseStream.run): the report is
    // recorded when the body ends, with the trailers when the stream failed after its first byte.
    respondStream: (requestId, body, options) =>
      ResponseStream.run(body, () => {
        const chunks: Array<Uint8Array> = []
        return {
          write: (chunk) => Effect.sync(() => void chunks.push(chunk)),
          finish: (trailers) =>
            Effect.zipRight(
              takeFault("response"),
              record({
                _tag: "Response",
                requestId,
                body: decoder.decode(Buffer.concat(chunks)),
                contentType: options.contentType,
                errorType: trailers?.["Lambda-Runtime-Function-Error-Type"],
                xrayCause: undefined,
                streamed: true,
                errorBody: trailers === undefined
                  ? undefined
                  : Buffer.from(trailers["Lambda-Runtime-Function-Error-Body"], "base64").toString("utf8")
              })
            ),
          abort: () => {}
        }
      }, options),
    fail: (requestId, report) =>
      Effect.zipRight(
        takeFault("error"),
        record({
          _tag: "Error",
          requestId,
          body: ErrorReport.toBody(report),
          contentType: "application/json",
          errorType: report.header,
          xrayCause: ErrorReport.toXRayCause(report)
        })
      ),
    initError: (report) =>
      Effect.zipRight(
        takeFault("init/error"),
        Deferred.succeed(initDeferred, {
          _tag: "Error",
          requestId: "init",
          body: ErrorReport.toBody(report),
          contentType: "application/json",
          errorType: report.header,
          xrayCause: ErrorReport.toXRayCause(report)
        })
      )
  }

  const mock: MockRuntimeApiShape = {
    enqueue: (event, options = {}) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const requestId = options.requestId ?? freshRequestId()
        const headers: Record<string, string> = {
          "lambda-runtime-aws-request-id": requestId,
          "lambda-runtime-deadline-ms": String(options.deadlineMs ?? now + (options.timeoutMs ?? 3000)),
          "lambda-runtime-invoked-function-arn": options.invokedFunctionArn ??
            "arn:aws:lambda:us-east-1:123456789012:function:test_function",
          "content-type": options.contentType ?? "application/json"
        }
        if (options.traceId !== undefined) headers["lambda-runtime-trace-id"] = options.traceId
        if (options.clientContext !== undefined) {
          headers["lambda-runtime-client-context"] = JSON.stringify(options.clientContext)
        }
        if (options.cognitoIdentity !== undefined) {
          headers["lambda-runtime-cognito-identity"] = JSON.stringify(options.cognitoIdentity)
        }
        if (options.tenantId !== undefined) headers["lambda-runtime-aws-tenant-id"] = options.tenantId
        waiter(requestId)
        yield* Queue.offer(queue, { headers, body: toBytes(event) })
        return requestId
      }),
    enqueueRaw: (headers, body = "") => Queue.offer(queue, { headers, body: toBytes(body) }).pipe(Effect.asVoid),
    report: (requestId) => Deferred.await(waiter(requestId)),
    reports: Ref.get(reports),
    initError: Deferred.await(initDeferred),
    initErrorPosted: Deferred.poll(initDeferred).pipe(
      Effect.flatMap(Option.match({ onNone: () => Effect.succeedNone, onSome: Effect.asSome }))
    ),
    failNext: (operation, error) => Effect.sync(() => void faults.set(operation, error)),
    nextCalls: Effect.sync(() => nextCalls)
  }
  return { api, mock }
})

/**
 * The mock as both the `RuntimeApi` the runtime uses and the `MockRuntimeApi` the test drives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RuntimeApi.RuntimeApi | MockRuntimeApi> = Layer.unwrapEffect(
  Effect.map(
    make,
    ({ api, mock }) => Layer.merge(Layer.succeed(RuntimeApi.RuntimeApi, api), Layer.succeed(MockRuntimeApi, mock))
  )
)
