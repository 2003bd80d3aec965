/**
 * An OTLP/HTTP traces receiver (`POST /v1/traces`, JSON encoding) on the emulator's own port, so
 * that what a function exports locally (`OTEL_EXPORTER_OTLP_ENDPOINT` points here) is printed
 * through the emulator's log sink, one line per span:
 *
 * `TRACE 1-<epoch>-<24 hex> <spanId> parent=<spanId|-> <name> <duration> ms <status> key=value…`
 *
 * The trace id is shown in X-Ray's form, as in the `Root=` of `Lambda-Runtime-Trace-Id`, so a
 * span is matched with its invocation at a glance. Protobuf bodies are refused with 415: no
 * protobuf decoder is in the tree, and OTLP exporters speak JSON when told to
 * (`@opentelemetry/exporter-trace-otlp-http` does by default).
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Zlib from "node:zlib"
import * as body from "./body.js"
import { headerOf, incoming, json, method } from "./http.js"
import * as model from "./model.js"

export const path = "/v1/traces"

/** Bigger than a batch of spans gets: the exporters' default batch is 512 spans. */
const maxBodyBytes = 16 * 1024 * 1024

const KeyValue = Schema.Struct({ key: Schema.String, value: Schema.optional(Schema.Unknown) })

const Span = Schema.Struct({
  traceId: Schema.String,
  spanId: Schema.String,
  parentSpanId: Schema.optional(Schema.String),
  name: Schema.String,
  // 64-bit integers: a string in OTLP JSON, a number from lenient encoders
  startTimeUnixNano: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  endTimeUnixNano: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  attributes: Schema.optional(Schema.Array(KeyValue)),
  status: Schema.optional(Schema.Struct({
    code: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
    message: Schema.optional(Schema.String)
  }))
})

/** The parts of OTLP's `ExportTraceServiceRequest` that are printed; other fields are ignored. */
export const ExportTraceServiceRequest = Schema.Struct({
  resourceSpans: Schema.optional(Schema.Array(Schema.Struct({
    resource: Schema.optional(Schema.Struct({ attributes: Schema.optional(Schema.Array(KeyValue)) })),
    scopeSpans: Schema.optional(Schema.Array(Schema.Struct({ spans: Schema.optional(Schema.Array(Span)) })))
  })))
})

type Span = typeof Span.Type

const decode = Schema.decodeUnknownEither(Schema.parseJson(ExportTraceServiceRequest))

/**
 * A field as one word of the line: quoted (escapes and all) when it has spaces, quotes or control
 * characters, so that what a function sends cannot break the line or forge another (`REPORT …`).
 */
const word = (text: string): string => /^[\x21\x23-\x7e]+$/.test(text) ? text : JSON.stringify(text)

/** An OTLP `AnyValue` as text. */
const showValue = (value: unknown): string => {
  if (value === null || typeof value !== "object") return word(String(value))
  const v = value as Record<string, unknown>
  if (typeof v.stringValue === "string") return JSON.stringify(v.stringValue)
  if (v.intValue !== undefined) return word(String(v.intValue))
  if (v.doubleValue !== undefined) return word(String(v.doubleValue))
  if (v.boolValue !== undefined) return word(String(v.boolValue))
  if (v.arrayValue !== null && typeof v.arrayValue === "object") {
    const values = (v.arrayValue as { values?: unknown }).values
    return `[${Array.isArray(values) ? values.map(showValue).join(",") : ""}]`
  }
  return JSON.stringify(value)
}

/** Attributes every `lambda.invoke` span carries that say nothing new about the invocation. */
const quiet = new Set([
  "faas.name",
  "faas.version",
  "faas.instance",
  "faas.max_memory",
  "cloud.provider",
  "cloud.platform",
  "cloud.resource_id",
  "cloud.region",
  "cloud.account.id",
  "aws.lambda.invoked_arn"
])

const maxValueLength = 120

const nanos = (value: string | number | undefined): bigint | undefined => {
  if (value === undefined) return undefined
  try {
    return BigInt(typeof value === "number" ? Math.trunc(value) : value)
  } catch {
    return undefined
  }
}

/** A 32-hex OpenTelemetry trace id in X-Ray's form, `1-<8 hex>-<24 hex>`; as sent otherwise. */
export const xrayTraceId = (traceId: string): string =>
  /^[0-9a-f]{32}$/i.test(traceId) ? `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`.toLowerCase() : traceId

const statusText = (status: Span["status"]): string => {
  const code = status?.code
  // OTLP's StatusCode: 0 unset, 1 ok, 2 error (names in some JSON encoders)
  if (code === 2 || code === "STATUS_CODE_ERROR") {
    return status?.message === undefined || status.message === "" ? "ERROR" : `ERROR ${JSON.stringify(status.message)}`
  }
  return code === 1 || code === "STATUS_CODE_OK" ? "OK" : "UNSET"
}

/** One span as one log line. */
export const line = (span: Span): string => {
  const start = nanos(span.startTimeUnixNano)
  const end = nanos(span.endTimeUnixNano)
  const duration = start === undefined || end === undefined ? "?" : (Number(end - start) / 1e6).toFixed(2)
  const parent = span.parentSpanId === undefined || span.parentSpanId === "" ? "-" : word(span.parentSpanId)
  const attributes = (span.attributes ?? [])
    .filter((kv) => !quiet.has(kv.key))
    .map((kv) => {
      const value = showValue(kv.value)
      return `${word(kv.key)}=${value.length > maxValueLength ? value.slice(0, maxValueLength) + "…" : value}`
    })
  return [
    "TRACE",
    word(xrayTraceId(span.traceId)),
    word(span.spanId),
    `parent=${parent}`,
    word(span.name),
    `${duration} ms`,
    statusText(span.status),
    ...attributes
  ].join(" ")
}

/** The spans of a request, in the order sent. */
export const spans = (request: typeof ExportTraceServiceRequest.Type): ReadonlyArray<Span> =>
  (request.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []))

/** OTLP/HTTP's failure body: a `google.rpc.Status` (3: INVALID_ARGUMENT). */
const failure = (status: number, message: string) => json(status, { code: 3, message })

const receive = Effect.gen(function*() {
  const req = yield* incoming
  const contentType = (headerOf(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase()
  if (contentType === "application/x-protobuf") {
    // drain the body so the connection stays usable
    yield* body.read(req, 0).pipe(Effect.ignore)
    return failure(
      415,
      "the emulator's OTLP receiver takes the JSON encoding only (Content-Type: application/json): " +
        "set OTEL_EXPORTER_OTLP_PROTOCOL=http/json or use @opentelemetry/exporter-trace-otlp-http"
    )
  }
  if (contentType !== "application/json") {
    yield* body.read(req, 0).pipe(Effect.ignore)
    return failure(415, `unsupported Content-Type ${JSON.stringify(contentType)}: send application/json`)
  }
  const read = yield* body.read(req, maxBodyBytes).pipe(Effect.either)
  if (Either.isLeft(read)) return failure(400, "the request body was cut short")
  if (read.right.overLimit) return failure(413, `the request body is over ${maxBodyBytes} bytes`)
  const encoding = (headerOf(req, "content-encoding") ?? "identity").trim().toLowerCase()
  let text: string
  try {
    text = encoding === "gzip"
      ? Zlib.gunzipSync(read.right.bytes, { maxOutputLength: maxBodyBytes }).toString("utf8")
      : encoding === "identity"
      ? Buffer.from(read.right.bytes).toString("utf8")
      : ""
  } catch (error) {
    return failure(400, `the gzip body could not be inflated: ${(error as Error).message}`)
  }
  if (encoding !== "gzip" && encoding !== "identity") {
    return failure(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}: send gzip or none`)
  }
  const decoded = decode(text)
  if (Either.isLeft(decoded)) {
    return failure(
      400,
      `not an OTLP ExportTraceServiceRequest in JSON: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`
    )
  }
  const emulator = yield* model.Model
  for (const span of spans(decoded.right)) {
    emulator.publish({ _tag: "Log", line: line(span) })
  }
  return json(200, { partialSuccess: {} })
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.all(
    path,
    method("POST", receive)
  )
)
