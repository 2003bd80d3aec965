/**
 * Streamed HTTP responses for Function URLs and API integrations: the body starts with a JSON
 * prelude (`statusCode`, `headers`, `cookies`) and 8 NUL bytes, under the content type
 * `application/vnd.awslambda.http-integration-response`; Lambda turns the prelude into the
 * HTTP status line and headers and streams the rest.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Handler from "./Handler.js"

/**
 * @since 0.1.0
 * @category constants
 */
export const CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"

/**
 * @since 0.1.0
 * @category models
 */
export interface Prelude {
  readonly statusCode?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly cookies?: ReadonlyArray<string>
}

/**
 * A streamed HTTP response: its prelude and body.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpResponse<E, R> extends Prelude {
  readonly body: Stream.Stream<Uint8Array | string, E, R>
}

const DELIMITER = new Uint8Array(8)

/**
 * The prelude bytes: JSON (which escapes any NUL in strings, so the delimiter stays unique)
 * followed by 8 NUL bytes.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePrelude = (prelude: Prelude): Uint8Array => {
  const json = Buffer.from(JSON.stringify({
    statusCode: prelude.statusCode ?? 200,
    headers: prelude.headers ?? {},
    cookies: prelude.cookies ?? []
  }))
  return Buffer.concat([json, DELIMITER])
}

/**
 * The full body stream of an HTTP response: prelude first, then the body.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toStream = <E, R>(response: HttpResponse<E, R>): Stream.Stream<Uint8Array | string, E, R> =>
  Stream.concat(Stream.succeed(encodePrelude(response)), response.body)

/**
 * Builds a streaming handler that answers with an HTTP status, headers, cookies and a streamed
 * body.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { HttpResponseStream } from "@effect-lambda/runtime"
 *
 * export const handler = HttpResponseStream.handler({
 *   handle: () =>
 *     Effect.succeed({
 *       statusCode: 200,
 *       headers: { "content-type": "text/plain" },
 *       body: Stream.make("hello ", "world")
 *     })
 * })
 * ```
 */
export const handler = <EA, E, R, E2, R2>(options: {
  readonly event?: Schema.Schema<EA, any, never>
  readonly handle: (event: EA) => Effect.Effect<HttpResponse<E2, R2>, E, R>
}): Handler.Handler<EA, Stream.Stream<Uint8Array | string, E2, R2>, E | E2, R | R2> =>
  Handler.makeStreaming({
    ...(options.event === undefined ? {} : { event: options.event }),
    contentType: CONTENT_TYPE,
    handle: (event: EA) => Effect.map(options.handle(event), toStream)
  })
