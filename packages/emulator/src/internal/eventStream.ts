/**
 * The events of `InvokeWithResponseStream` in AWS's event-stream encoding, framed by the codec
 * the AWS SDK itself decodes them with (prelude, headers, CRCs).
 *
 * @internal
 */
import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec"
import { fromUtf8, toUtf8 } from "@smithy/util-utf8"

const codec = new EventStreamCodec(toUtf8, fromUtf8)

/** `Content-Type` of the HTTP response that carries the events. */
export const contentType = "application/vnd.amazon.eventstream"

const headers = (eventType: string, contentType: string): MessageHeaders => ({
  ":event-type": { type: "string", value: eventType },
  ":content-type": { type: "string", value: contentType },
  ":message-type": { type: "string", value: "event" }
})

/** `PayloadChunk`: the event's whole body is the payload bytes (the `eventPayload` member). */
export const payloadChunk = (payload: Uint8Array): Uint8Array =>
  codec.encode({ headers: headers("PayloadChunk", "application/octet-stream"), body: payload })

export interface Completion {
  readonly ErrorCode?: string
  readonly ErrorDetails?: string
  readonly LogResult?: string
}

/** `InvokeComplete`: a JSON body of its members, `{}` for a success. */
export const invokeComplete = (completion: Completion): Uint8Array =>
  codec.encode({
    headers: headers("InvokeComplete", "application/json"),
    body: fromUtf8(JSON.stringify(completion))
  })
