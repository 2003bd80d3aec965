import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"

export const fixture = (name: string) => Path.join(Path.dirname(fileURLToPath(import.meta.url)), "fixtures", name)

/** A fresh directory under the system's temporary one. */
export const makeTempDir = (prefix: string) => Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))

/** Not counting zombies: an orphan's parent here (PID 1 of the sandbox) may not reap it. */
export const isAlive = (pid: number) => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!)
  } catch {
    return false
  }
}

export interface RawResponse {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  readonly text: string
  readonly json: () => any
}

export interface RawRequest {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array
  /** Sent as a chunked body in these pieces, then these trailers. */
  readonly chunks?: ReadonlyArray<string | Uint8Array>
  readonly trailers?: Record<string, string>
}

/** A raw HTTP call on a fresh connection, as a runtime or an invoker would make it. */
export const request = (url: string, path: string, options: RawRequest = {}): Effect.Effect<RawResponse, Error> =>
  Effect.async<RawResponse, Error>((resume) => {
    const req = Http.request(`${url}${path}`, {
      method: options.method ?? "GET",
      headers: options.headers,
      agent: false
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const body = Buffer.concat(chunks)
        const text = body.toString("utf8")
        resume(
          Effect.succeed({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text)
          })
        )
      })
      res.on("error", (e) => resume(Effect.fail(e)))
    })
    req.on("error", (e) => resume(Effect.fail(e)))
    if (options.chunks !== undefined) {
      if (options.trailers !== undefined) req.setHeader("Trailer", Object.keys(options.trailers).join(", "))
      for (const chunk of options.chunks) req.write(chunk)
      if (options.trailers !== undefined) req.addTrailers(options.trailers)
      req.end()
    } else {
      req.end(options.body)
    }
    return Effect.sync(() => req.destroy())
  })

export const collectLogs = () => {
  const lines: Array<string> = []
  const waiters = new Set<{ readonly matches: (line: string) => boolean; readonly resume: (line: string) => void }>()
  const onLog = (line: string) => {
    lines.push(line)
    for (const waiter of waiters) {
      if (waiter.matches(line)) {
        waiters.delete(waiter)
        waiter.resume(line)
      }
    }
  }
  /** The first line (already printed or still to come) that matches. */
  const line = (matches: (line: string) => boolean): Effect.Effect<string> =>
    Effect.async<string>((resume) => {
      const found = lines.find(matches)
      if (found !== undefined) return resume(Effect.succeed(found))
      const waiter = { matches, resume: (l: string) => resume(Effect.succeed(l)) }
      waiters.add(waiter)
      return Effect.sync(() => waiters.delete(waiter))
    })
  return { lines, onLog, line }
}

export const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8")

export const json = (bytes: Uint8Array) => JSON.parse(text(bytes))

/** Plays the runtime: waits for the next event. */
export const next = (emulator: Emulator.Emulator) => request(emulator.url, "/2018-06-01/runtime/invocation/next")

export const respond = (
  emulator: Emulator.Emulator,
  id: string,
  body: string | Uint8Array,
  headers?: Record<string, string>
) =>
  request(emulator.url, `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, {
    method: "POST",
    body,
    ...(headers === undefined ? {} : { headers })
  })

export const requestId = (res: RawResponse) => res.headers["lambda-runtime-aws-request-id"] as string
