// Entry of the bundle that `bootstrap` starts. With OTEL_EXPORTER_OTLP_ENDPOINT (or the traces
// one) set, spans go over OTLP/HTTP (JSON): to the ADOT collector or CloudWatch's OTLP endpoint on
// Lambda, to the emulator's own receiver locally (it sets the variable and prints each span as a
// `TRACE` line). Without it, the console exporter writes each span as a log line.
import { LambdaRuntime } from "@effect-lambda/runtime"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
import { handler, TracingLive } from "./handler.js"

const otlp = process.env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined

LambdaRuntime.runMain(handler, TracingLive(otlp ? new OTLPTraceExporter() : new ConsoleSpanExporter()))
