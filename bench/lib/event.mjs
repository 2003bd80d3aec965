// The invocation every client gets: a ~1 KB JSON event shaped like an API Gateway proxy event,
// with the `name` field the hello handler reads. Realistic size matters: parsing a 1 KB body is
// part of every runtime's per-invocation cost; a 20-byte event would flatter JSON-heavy clients.
import { randomBytes, randomUUID } from "node:crypto"

export const EVENT_NAME = "bench"

const event = {
  name: EVENT_NAME,
  resource: "/hello",
  path: "/hello",
  httpMethod: "POST",
  headers: {
    accept: "application/json",
    "accept-encoding": "gzip, deflate, br",
    "content-type": "application/json",
    host: "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "x-amzn-trace-id": "Root=1-65f1c2d3-0a1b2c3d4e5f60718293a4b5",
    "x-forwarded-for": "203.0.113.10",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https"
  },
  queryStringParameters: { lang: "en", verbose: "false" },
  pathParameters: null,
  stageVariables: null,
  requestContext: {
    accountId: "123456789012",
    apiId: "abcdef1234",
    domainName: "abcdef1234.execute-api.us-east-1.amazonaws.com",
    httpMethod: "POST",
    identity: { sourceIp: "203.0.113.10", userAgent: "Mozilla/5.0" },
    path: "/prod/hello",
    protocol: "HTTP/1.1",
    requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    requestTimeEpoch: 1700000000000,
    resourcePath: "/hello",
    stage: "prod"
  },
  body: "{\"greeting\":\"hello\",\"tags\":[\"bench\",\"lambda\",\"runtime\"]}",
  isBase64Encoded: false
}

export const eventBody = Buffer.from(JSON.stringify(event))

/** What a correct hello handler answers, byte for byte when serialised with JSON.stringify. */
export const expectedResponse = JSON.stringify({ message: `hello ${EVENT_NAME}` })

export const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"

// Request ids and trace ids come from a pre-generated pool so that the server spends its CPU on
// HTTP, not on crypto, while ids still differ from one invocation to the next.
const POOL = 4096
const ids = Array.from({ length: POOL }, () => randomUUID())
const traces = Array.from({ length: POOL }, () => {
  const hex = randomBytes(20).toString("hex")
  const epoch = Math.floor(Date.now() / 1000).toString(16)
  return `Root=1-${epoch}-${hex.slice(0, 24)};Parent=${hex.slice(24, 40)};Sampled=0;Lineage=1:a1b2c3d4:0`
})

/** Request id of invocation i: unique within a run (a pooled uuid with the index appended). */
export const requestId = (i) => `${ids[i % POOL].slice(0, 28)}${(i % 0xffffffff).toString(16).padStart(8, "0")}`
export const traceId = (i) => traces[i % POOL]
