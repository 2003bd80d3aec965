import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import fc from "fast-check"
import * as net from "node:net"
import { encodeRequest, ProtocolError, ResponseParser } from "../src/internal/http1.js"
import * as RuntimeApi from "../src/RuntimeApi.js"

const feed = (parts: ReadonlyArray<Buffer>) => {
  const parser = new ResponseParser()
  const out = []
  for (const part of parts) {
    const response = parser.push(part)
    if (response !== undefined) out.push(response)
  }
  return { parser, out }
}

const splitAt = (bytes: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const parts: Array<Buffer> = []
  let last = 0
  for (const point of points) {
    parts.push(bytes.subarray(last, point))
    last = point
  }
  parts.push(bytes.subarray(last))
  return parts
}

const chunked = (body: Buffer, sizes: ReadonlyArray<number>) => {
  const pieces: Array<Buffer> = []
  let offset = 0
  for (const size of sizes) {
    if (offset >= body.length) break
    const piece = body.subarray(offset, offset + Math.max(1, size))
    offset += piece.length
    pieces.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"))
  }
  if (offset < body.length) {
    const rest = body.subarray(offset)
    pieces.push(Buffer.from(`${rest.length.toString(16)};ext=1\r\n`), rest, Buffer.from("\r\n"))
  }
  pieces.push(Buffer.from("0\r\nx-trailer: t\r\n\r\n"))
  return Buffer.concat(pieces)
}

describe("http1 ResponseParser", () => {
  it("parses a Content-Length answer with headers, repeated headers joined", () => {
    const { out } = feed([Buffer.from("HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 5\r\nX-Y: a\r\nx-y: b\r\n\r\nhello")])
    expect(out).toEqual([{
      status: 200,
      headers: { a: "1", "content-length": "5", "x-y": "a, b" },
      body: Buffer.from("hello"),
      close: false
    }])
  })

  it("parses two answers in a row on one connection, and 204 without a body", () => {
    const parser = new ResponseParser()
    expect(parser.push(Buffer.from("HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\nok"))?.status).toBe(202)
    expect(parser.push(Buffer.from("HTTP/1.1 204 No Content\r\n\r\n"))).toMatchObject({
      status: 204,
      body: Buffer.alloc(0)
    })
  })

  it("a body delimited by the close completes on end(); Connection: close is reported", () => {
    const parser = new ResponseParser()
    expect(parser.push(Buffer.from("HTTP/1.1 200 OK\r\n\r\npart1"))).toBeUndefined()
    expect(parser.push(Buffer.from("part2"))).toBeUndefined()
    expect(parser.end()).toMatchObject({ status: 200, body: Buffer.from("part1part2"), close: true })
    expect(feed([Buffer.from("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")]).out[0]!.close).toBe(
      true
    )
  })

  it("any split of the bytes gives the same answer (Content-Length and chunked)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 10 }),
        fc.boolean(),
        (payload, cuts, sizes, useChunked) => {
          const body = Buffer.from(payload)
          const head = useChunked
            ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Aws-Request-Id: id\r\n\r\n"
            : `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nLambda-Runtime-Aws-Request-Id: id\r\n\r\n`
          const bytes = Buffer.concat([Buffer.from(head), useChunked ? chunked(body, sizes) : body])
          const { out, parser } = feed(splitAt(bytes, cuts))
          expect(out.length).toBe(1)
          expect(out[0]!.body.equals(body)).toBe(true)
          expect(out[0]!.headers["lambda-runtime-aws-request-id"]).toBe("id")
          expect(parser.leftover).toBe(0)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("malformed answers are ProtocolErrors, never crashes", () => {
    const bad = [
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "garbage\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\n",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabXX",
      `HTTP/1.1 200 OK\r\n${Array.from({ length: 101 }, (_, i) => `h${i}: v`).join("\r\n")}\r\n\r\n`
    ]
    for (const text of bad) expect(() => feed([Buffer.from(text)]), text).toThrow(ProtocolError)
    expect(() => new ResponseParser().push(Buffer.alloc(70 * 1024, 65))).toThrow(/head too large/)
    const cut = new ResponseParser()
    cut.push(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc"))
    expect(() => cut.end()).toThrow(/middle of the answer/)
    expect(() => new ResponseParser().end()).toThrow(/before any answer/)
  })

  it("arbitrary bytes either parse or throw a ProtocolError", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), fc.boolean(), (parts, prefix) => {
        const parser = new ResponseParser()
        try {
          if (prefix) parser.push(Buffer.from("HTTP/1.1 200 OK\r\n"))
          for (const part of parts) parser.push(Buffer.from(part))
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 1000 }
    )
  })
})

describe("http1 encodeRequest", () => {
  it("writes the request line, Host, headers and Content-Length in one buffer", () => {
    const bytes = encodeRequest("POST", "/p", "127.0.0.1:9001", { "content-type": "application/json" }, "{\"a\":\"é\"}")
    expect(bytes.toString()).toBe(
      "POST /p HTTP/1.1\r\nHost: 127.0.0.1:9001\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{\"a\":\"é\"}"
    )
    expect(encodeRequest("GET", "/n", "h:1", { "user-agent": "x" }, undefined).toString()).toBe(
      "GET /n HTTP/1.1\r\nHost: h:1\r\nuser-agent: x\r\n\r\n"
    )
  })

  it("refuses a header value that would inject another header", () => {
    expect(() => encodeRequest("GET", "/", "h", { "x-a": "1\r\nx-b: 2" }, undefined)).toThrow(ProtocolError)
  })
})

describe("socket transport against a raw TCP server", () => {
  // Not test/utils/FakeRuntimeApi.ts: node:http cannot write a malformed status line or an answer
  // split byte by byte, which is what these tests need.
  const rawServer = (answer: (socket: net.Socket) => void) =>
    Effect.acquireRelease(
      Effect.async<net.Server>((resume) => {
        const server = net.createServer((socket) => socket.once("data", () => answer(socket)))
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) => Effect.sync(() => server.close())
    )

  const nextWith = (answer: (socket: net.Socket) => void) =>
    Effect.gen(function*() {
      const server = yield* rawServer(answer)
      const { port } = server.address() as net.AddressInfo
      const api = yield* Effect.provide(
        RuntimeApi.RuntimeApi,
        RuntimeApi.layerAddress(`127.0.0.1:${port}`, 1, "socket")
      )
      return yield* Effect.exit(api.next)
    })

  it.scoped("a malformed answer is a typed TransportError", () =>
    Effect.gen(function*() {
      const exit = yield* nextWith((socket) => socket.end("HTTP/1.1 ok\r\n\r\n"))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject({
        value: { _tag: "TransportError", message: expect.stringContaining("bad status line") }
      })
    }))

  it.scoped("an answer split byte by byte is read whole", () =>
    Effect.gen(function*() {
      const text =
        "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: slow\r\nlambda-runtime-deadline-ms: 5\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
      const exit = yield* nextWith((socket) => {
        let i = 0
        const tick = () => {
          if (i < text.length) {
            socket.write(text[i++]!)
            setImmediate(tick)
          }
        }
        tick()
      })
      expect(Exit.isSuccess(exit) && exit.value.requestId).toBe("slow")
    }))
})
