// Entry of the bundle that `bootstrap` starts. The console exporter writes each span as a log
// line; in production use an OTLP exporter to the ADOT collector or CloudWatch's OTLP endpoint.
import { LambdaRuntime } from "@effect-lambda/runtime"
import { ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
import { handler, TracingLive } from "./handler.js"

LambdaRuntime.runMain(handler, TracingLive(new ConsoleSpanExporter()))
