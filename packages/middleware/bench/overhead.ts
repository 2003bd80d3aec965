/**
 * Per-invocation cost of the middleware, in process: each case runs what the runtime runs for
 * one invocation (decode the payload bytes -> handle -> encode, with a LambdaContext), N times in
 * a row, against a baseline handler that does no work. Prints microseconds per invocation and
 * the cost above the baseline. No Runtime API, no network: only the middleware's own work.
 *
 *   pnpm bench   (in packages/middleware)
 */
import { HttpHandler, Metrics, SqsBatch, StreamBatch, StructuredLogger, Tracing } from "@effect-lambda/middleware"
import * as XRayTracing from "@effect-lambda/middleware/XRayTracing"
import type { FunctionConfig, Handler, Invocation } from "@effect-lambda/runtime"
import { InvocationHooks, LambdaContext, LambdaLogger } from "@effect-lambda/runtime"
import { EventBuilders } from "@effect-lambda/testing"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"

const N = Number(process.env.N ?? 20_000)
const encoder = new TextEncoder()

const config = {
  functionName: "bench",
  functionVersion: "$LATEST",
  memorySizeMb: 128,
  logGroupName: "g",
  logStreamName: "s"
} as unknown as FunctionConfig.FunctionConfig

const invocationOf = (event: unknown): Invocation.Invocation => ({
  requestId: "00000000-0000-4000-8000-000000000001",
  deadlineMs: Date.now() + 60_000,
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
  traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
  clientContext: undefined,
  cognitoIdentity: undefined,
  tenantId: undefined,
  contentType: "application/json",
  body: encoder.encode(JSON.stringify(event))
})

const once = (handler: Handler.Handler.Any, invocation: Invocation.Invocation) =>
  handler.decode(invocation).pipe(
    Effect.flatMap((event) => handler.handle(event)),
    Effect.flatMap((result) => handler.encode(result)),
    Effect.provideService(LambdaContext.LambdaContext, LambdaContext.make(invocation, config))
  ) as Effect.Effect<unknown, unknown>

const measure = async (handler: Handler.Handler.Any, event: unknown): Promise<number> => {
  const invocation = invocationOf(event)
  const first = await Effect.runPromise(Effect.either(once(handler, invocation)))
  if (first._tag === "Left") throw new Error(`bench case fails: ${String(first.left)}`)
  const run = (n: number) =>
    Effect.runPromise(Effect.forEach(Array.from({ length: n }), () => once(handler, invocation), { discard: true }))
  await run(Math.min(N, 2_000)) // warm-up
  const start = performance.now()
  await run(N)
  return ((performance.now() - start) * 1000) / N
}

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/hello/:name", Effect.map(HttpRouter.params, (p) => HttpServerResponse.text(`hello ${p.name}`))),
  HttpRouter.post(
    "/items",
    Effect.flatMap(
      HttpServerRequest.schemaBodyJson(Schema.Struct({ name: Schema.String })),
      (item) => HttpServerResponse.json(item, { status: 201 })
    )
  )
)

const v2Get = EventBuilders.apiGatewayV2Request({ path: "/hello/bench", headers: { accept: "*/*" } })
const v2Post = EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: { name: "pen" } })
const sqs10 = EventBuilders.sqsEvent(Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i })))
const kinesis10 = EventBuilders.kinesisEvent(Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i })))

const baseline = (await import("@effect-lambda/runtime")).Handler.make({
  handle: () => Effect.succeed({ statusCode: 200, body: "ok" })
})
const v2Schema = (await import("@effect-lambda/runtime")).Handler.make({
  event: (await import("@effect-lambda/events")).ApiGateway.ApiGatewayProxyEventV2,
  handle: () => Effect.succeed({ statusCode: 200, body: "ok" })
})

// Observability (issue 17): services built once, as the function's layer would be; records go to
// a no-op sink, so the rows are our own work (building the records), not stdout's.
const { Handler: H } = await import("@effect-lambda/runtime")
const scope = Effect.runSync(Scope.make())
const noopExporter = {
  export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }),
  shutdown: async () => {}
}
// Each layer's services and the invocation hooks it registers (what the runtime applies around
// every invocation), built apart so each row pays for its own layer only.
const withLayer = async (layer: Layer.Layer<unknown, unknown>) => {
  const [services, hooks] = await Effect.runPromise(
    Effect.zip(Layer.buildWithScope(layer, scope), FiberRef.get(InvocationHooks.currentInvocationHooks))
  )
  const apply = InvocationHooks.compose(hooks)!
  return (handler: Handler.Handler.Any): Handler.Handler.Any =>
    H.mapEffect(
      handler,
      (effect) =>
        Effect.flatMap(LambdaContext.LambdaContext, (ctx) => apply(effect, ctx)).pipe(
          Effect.provide(services as Context.Context<any>)
        )
    )
}
const withMetricsLayer = await withLayer(Metrics.layer({ namespace: "bench", service: "bench", write: () => {} }))
const withLoggerLayer = await withLayer(
  StructuredLogger.layer({ service: "bench", logLevel: (await import("effect/LogLevel")).Info, write: () => {} })
)
const withXRayLayer = await withLayer(XRayTracing.layer({ exporter: noopExporter as never, serviceName: "bench" }))
// the runtime's own JSON logger (what AWS_LAMBDA_LOG_FORMAT=JSON gives), to a no-op sink
const lambdaJson = HashSet.make(LambdaLogger.json(() => {}))
const withLambdaJson = (handler: Handler.Handler.Any): Handler.Handler.Any =>
  H.mapEffect(handler, (effect) => Effect.locally(effect, FiberRef.currentLoggers, lambdaJson))
const twoLogs = H.make({
  handle: () =>
    Effect.log("order placed", { orderId: "o-1" }).pipe(Effect.zipRight(Effect.log("done")), Effect.as("ok"))
})
const orders = Metric.counter("bench_orders")
const amounts = Metric.histogram("bench_amount", MetricBoundaries.fromIterable([10, 100, 1000]))
const recordMetrics = H.make({
  handle: () => Metric.increment(orders).pipe(Effect.zipRight(Metric.update(amounts, 42)), Effect.as("ok"))
})
const traced = H.make({ handle: () => Effect.succeed("ok").pipe(Effect.withSpan("work")) })

const allCases: ReadonlyArray<readonly [string, Handler.Handler.Any, unknown]> = [
  ["baseline: no schema, constant result (API GW v2 GET event)", baseline, v2Get],
  ["Handler.make with the ApiGatewayProxyEventV2 schema only", v2Schema, v2Get],
  ["HttpHandler apiGatewayV2, GET /hello/:name", HttpHandler.make(router, { event: "apiGatewayV2" }), v2Get],
  ["HttpHandler auto, GET /hello/:name", HttpHandler.make(router), v2Get],
  [
    "HttpHandler apiGatewayV2, POST /items (JSON body + Schema)",
    HttpHandler.make(router, { event: "apiGatewayV2" }),
    v2Post
  ],
  [
    "HttpHandler apiGatewayV2, GET, platform http.server span disabled",
    (await import("@effect-lambda/runtime")).Handler.mapEffect(
      HttpHandler.make(router, { event: "apiGatewayV2" }),
      (effect) => Effect.locally(effect, HttpMiddleware.currentTracerDisabledWhen, () => true)
    ),
    v2Get
  ],
  [
    "HttpHandler apiGatewayV2 GET + Tracing.withSpan",
    Tracing.withSpan(HttpHandler.make(router, { event: "apiGatewayV2" })),
    v2Get
  ],
  ["baseline with a 10-message SQS event", baseline, sqs10],
  [
    "SqsBatch.partialFailures, 10 messages, body Schema",
    SqsBatch.partialFailures(() => Effect.void, { body: Schema.parseJson(Schema.Struct({ n: Schema.Number })) }),
    sqs10
  ],
  [
    "SqsBatch.partialFailures, 10 messages, body Schema, concurrency 1",
    SqsBatch.partialFailures(() => Effect.void, {
      body: Schema.parseJson(Schema.Struct({ n: Schema.Number })),
      concurrency: 1
    }),
    sqs10
  ],
  ["SqsBatch.partialFailures, 10 messages, no body Schema", SqsBatch.partialFailures(() => Effect.void), sqs10],
  ["StreamBatch.kinesis, 10 records", StreamBatch.kinesis(() => Effect.void), kinesis10],
  ["baseline: 2 Effect.log lines, the runtime's JSON logger", withLambdaJson(twoLogs), {}],
  [
    "obs: 2 Effect.log lines, StructuredLogger.layer (Powertools keys)",
    withLoggerLayer(withLambdaJson(twoLogs)),
    {}
  ],
  ["obs: counter + histogram, no export", recordMetrics, {}],
  [
    "obs: counter + histogram, Metrics.layer (EMF records each invocation)",
    withMetricsLayer(recordMetrics),
    {}
  ],
  ["obs: 1 span + Tracing.withSpan, no exporter", Tracing.withSpan(traced), {}],
  [
    "obs: 1 span + Tracing.withSpan + XRayTracing (OTel, batch, flush each invocation)",
    withXRayLayer(Tracing.withSpan(traced)),
    {}
  ]
]

// CASES=regex runs only the matching cases (and the baselines).
const filter = process.env.CASES === undefined ? undefined : new RegExp(process.env.CASES)
const cases = allCases.filter(([name]) => filter === undefined || name.startsWith("baseline") || filter.test(name))

// Interleaved rounds, median per case: other load on the machine shifts single runs a lot.
const ROUNDS = Number(process.env.ROUNDS ?? 7)
const samples: Array<Array<number>> = cases.map(() => [])
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < cases.length; i++) {
    const [, handler, event] = cases[i]!
    samples[i]!.push(await measure(handler, event))
  }
}
const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const rows: Array<{ case: string; "µs/invocation": string; "above baseline": string }> = []
let base = 0
cases.forEach(([name], i) => {
  const us = median(samples[i]!)
  if (name.startsWith("baseline")) base = us
  rows.push({
    case: name,
    "µs/invocation": us.toFixed(1),
    "above baseline": name.startsWith("baseline") ? "" : `+${(us - base).toFixed(1)}`
  })
})
console.log(`node ${process.version}, N=${N} per round, median of ${ROUNDS} interleaved rounds`)
console.table(rows)
