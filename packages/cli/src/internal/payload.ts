/**
 * What `invoke` prints of the Invoke API's answer.
 *
 * @internal
 */

/**
 * A response streamed with `HttpResponseStream` arrives as its JSON prelude (status code,
 * headers, cookies), eight NUL bytes, then the body. A JSON payload cannot hold a raw NUL (JSON
 * escapes control characters), so eight of them after a JSON object mark such a response.
 *
 * @internal
 */
export const splitHttpStream = (
  payload: Uint8Array
): { readonly prelude: string; readonly body: Uint8Array } | undefined => {
  const at = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).indexOf(DELIMITER)
  if (at < 0) return undefined
  const prelude = new TextDecoder().decode(payload.subarray(0, at))
  try {
    const parsed: unknown = JSON.parse(prelude)
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined
  } catch {
    return undefined
  }
  return { prelude, body: payload.subarray(at + DELIMITER.length) }
}

const DELIMITER = Buffer.alloc(8)

/**
 * Whether bytes would garble a terminal: NULs and other control characters than tab, newline,
 * carriage return and escape sequences' ESC.
 *
 * @internal
 */
export const isBinary = (bytes: Uint8Array): boolean => {
  for (const b of bytes) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) return true
  }
  return false
}
