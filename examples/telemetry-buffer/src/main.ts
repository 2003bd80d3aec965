import { LambdaExtension } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as TelemetryBuffer from "./TelemetryBuffer.js"

// An external extension: registered as `telemetry-buffer` (the name of its executable in
// /opt/extensions), it flushes on an invocation when the buffer is full and always at SHUTDOWN.
export const extension = LambdaExtension.make({
  name: "telemetry-buffer",
  onInvoke: () => Effect.flatMap(TelemetryBuffer.TelemetryBuffer, (buffer) => buffer.flushIfFull),
  onShutdown: (event) =>
    Effect.flatMap(TelemetryBuffer.TelemetryBuffer, (buffer) => buffer.flush).pipe(
      Effect.tap((sent) =>
        Effect.log(`telemetry-buffer: flushed ${sent} records at SHUTDOWN (${event.shutdownReason})`)
      )
    )
})

LambdaExtension.runMain(extension, TelemetryBuffer.layer)
