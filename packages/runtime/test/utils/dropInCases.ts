// The handler fixtures of the drop-in differential test: each case is a task root (files), a
// `_HANDLER`, an event, and optionally environment and `next` headers. Written to disk by the
// test, so that fixtures with syntax errors or Lambda's globals stay out of lint and tsc.

export interface Case {
  readonly name: string
  readonly files: Readonly<Record<string, string>>
  readonly handler: string
  readonly event?: string
  readonly env?: Readonly<Record<string, string>>
  readonly nextHeaders?: Readonly<Record<string, string>>
}

const echo = `async (event, context) => ({ got: event, fn: context.functionName })`

export const cases: ReadonlyArray<Case> = [
  // --- module resolution and precedence
  {
    name: "cjs .js (no package.json type)",
    files: { "index.js": `exports.handler = ${echo}` },
    handler: "index.handler"
  },
  { name: "esm .mjs", files: { "app.mjs": `export const handler = ${echo}` }, handler: "app.handler" },
  { name: "cjs .cjs", files: { "app.cjs": `module.exports.handler = ${echo}` }, handler: "app.handler" },
  {
    name: ".js under package.json type=module",
    files: {
      "package.json": `{"type":"module"}`,
      "app.js": `export const handler = async () => import.meta.url.endsWith("app.js")`
    },
    handler: "app.handler"
  },
  {
    name: "nearest package.json wins (commonjs dir inside a module root)",
    files: {
      "package.json": `{"type":"module"}`,
      "legacy/package.json": `{"type":"commonjs"}`,
      "legacy/old.js": `exports.handler = async () => typeof require`
    },
    handler: "legacy/old.handler"
  },
  {
    name: "precedence: .js before .mjs and .cjs",
    files: {
      "p.js": `exports.handler = async () => "js"`,
      "p.mjs": `export const handler = async () => "mjs"`,
      "p.cjs": `exports.handler = async () => "cjs"`
    },
    handler: "p.handler"
  },
  {
    name: "precedence: .mjs before .cjs",
    files: { "p.mjs": `export const handler = async () => "mjs"`, "p.cjs": `exports.handler = async () => "cjs"` },
    handler: "p.handler"
  },
  {
    name: "extensionless file first",
    files: {
      "noext": `exports.handler = async () => "extensionless"`,
      "noext.js": `exports.handler = async () => "js"`
    },
    handler: "noext.handler"
  },
  {
    name: "dir/file.fn",
    files: { "src/handlers/orders.mjs": `export const list = ${echo}` },
    handler: "src/handlers/orders.list"
  },
  {
    name: "nested export file.a.b.fn",
    files: { "nested.js": `exports.api = { v1: { get: async () => "nested" } }` },
    handler: "nested.api.v1.get"
  },
  {
    name: "export default object",
    files: { "def.mjs": `export default { handler: async () => "from default" }` },
    handler: "def.handler"
  },
  {
    name: "module.exports = function with a property is not descended into",
    files: { "fnprop.js": `const f = async () => "f"; f.inner = async () => "inner"; module.exports = { top: f }` },
    handler: "fnprop.top.inner"
  },
  {
    name: "package from node_modules (require.resolve fallback)",
    files: {
      "node_modules/shared-handler/package.json": `{"name":"shared-handler","main":"main.js"}`,
      "node_modules/shared-handler/main.js": `exports.handler = async () => "from node_modules"`
    },
    handler: "shared-handler.handler"
  },
  // --- top-level await
  {
    name: "top-level await finishes before the first invocation",
    files: {
      "tla.mjs":
        `let ready = false\nawait new Promise((r) => setTimeout(r, 100))\nready = true\nexport const handler = async () => ({ ready })`
    },
    handler: "tla.handler"
  },
  {
    name: "top-level await rejection is an init error with the user's name",
    files: {
      "tlafail.mjs":
        `class ConfigMissing extends Error { constructor(m) { super(m); this.name = "ConfigMissing" } }\nawait Promise.reject(new ConfigMissing("no table name"))\nexport const handler = async () => 1`
    },
    handler: "tlafail.handler"
  },
  // --- init errors
  { name: "MalformedHandlerName: no dot", files: { "index.js": `exports.handler = async () => 1` }, handler: "index" },
  {
    name: "MalformedHandlerName: relative path",
    files: { "index.js": `exports.handler = async () => 1` },
    handler: "../index.handler"
  },
  {
    name: "ImportModuleError: no such file",
    files: { "index.js": `exports.handler = async () => 1` },
    handler: "missing.handler"
  },
  {
    name: "ImportModuleError: CommonJS require of a missing package",
    files: { "index.js": `require("not-installed-anywhere")\nexports.handler = async () => 1` },
    handler: "index.handler"
  },
  {
    name: "ES import of a missing package keeps Node's error",
    files: { "index.mjs": `import x from "not-installed-anywhere"\nexport const handler = async () => x` },
    handler: "index.handler"
  },
  {
    name: "HandlerNotFound: not exported",
    files: { "index.js": `exports.handler = async () => 1` },
    handler: "index.nope"
  },
  { name: "HandlerNotFound: not a function", files: { "index.js": `exports.handler = 42` }, handler: "index.handler" },
  {
    name: "UserCodeSyntaxError: CommonJS",
    files: { "index.js": `exports.handler = async () => {` },
    handler: "index.handler"
  },
  {
    name: "UserCodeSyntaxError: ESM",
    files: { "index.mjs": `export const handler = async () => )` },
    handler: "index.handler"
  },
  {
    name: "top-level throw keeps the user's error",
    files: { "index.js": `throw new TypeError("bad config at load")` },
    handler: "index.handler"
  },
  {
    name: "CallbackHandlerDeprecated: (event, context, callback)",
    files: { "index.js": `exports.handler = (event, context, callback) => callback(null, 1)` },
    handler: "index.handler"
  },
  {
    name: "CallbackHandlerDeprecated: async with three parameters",
    files: { "index.js": `exports.handler = async (event, context, callback) => 1` },
    handler: "index.handler"
  },
  {
    name: "CallbackHandlerDeprecated: the Node.js 22 message",
    files: { "index.js": `exports.handler = (event, context, callback) => callback(null, 1)` },
    handler: "index.handler",
    env: { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" }
  },
  // --- the context object
  {
    name: "context fields",
    files: {
      "ctx.mjs": `export const handler = async (event, context) => {
  const r = context.getRemainingTimeInMillis()
  return {
    keys: Object.keys(context),
    context,
    remainingInRange: r > 20000 && r <= 30000,
    hasCallbackWaits: "callbackWaitsForEmptyEventLoop" in context,
    traceEnv: process.env._X_AMZN_TRACE_ID,
    store: globalThis.awslambda?.InvokeStore?.getRequestId()
  }
}`
    },
    handler: "ctx.handler",
    nextHeaders: {
      "lambda-runtime-client-context": JSON.stringify({ client: { app_title: "t" }, custom: { a: 1 }, env: {} }),
      "lambda-runtime-cognito-identity": JSON.stringify({ cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" }),
      "lambda-runtime-aws-tenant-id": "tenant-7"
    }
  },
  // --- results and errors
  {
    name: "sync handler returning a value",
    files: { "index.js": `exports.handler = (event) => ({ sync: event })` },
    handler: "index.handler"
  },
  {
    name: "undefined result is null",
    files: { "index.js": `exports.handler = async () => undefined` },
    handler: "index.handler"
  },
  {
    name: "result JSON cannot hold (BigInt)",
    files: { "index.js": `exports.handler = async () => ({ n: 1n })` },
    handler: "index.handler"
  },
  {
    name: "result that serialises to nothing (a function)",
    files: { "index.js": `exports.handler = async () => () => 1` },
    handler: "index.handler"
  },
  {
    name: "thrown TypeError",
    files: { "index.js": `exports.handler = async (event) => { null.x }` },
    handler: "index.handler"
  },
  {
    name: "custom error name, DEL character escaped",
    files: {
      "index.mjs":
        `class OrderRejected extends Error { constructor(m) { super(m); this.name = "OrderRejected"; this.code = "E42" } }\nexport const handler = async () => { throw new OrderRejected("no\\x7Fstock") }`
    },
    handler: "index.handler"
  },
  {
    name: "rejects with a string",
    files: { "index.js": `exports.handler = async () => { throw "plain string" }` },
    handler: "index.handler"
  },
  {
    name: "rejects with undefined",
    files: { "index.js": `exports.handler = () => Promise.reject(undefined)` },
    handler: "index.handler"
  },
  {
    name: "sync throw in a sync handler",
    files: { "index.js": `exports.handler = () => { throw new RangeError("sync") }` },
    handler: "index.handler"
  },
  {
    name: "event that is a JSON string",
    files: { "index.js": `exports.handler = async (e) => typeof e` },
    handler: "index.handler",
    event: `"hello"`
  },
  {
    name: "event that is not JSON stops the process",
    files: { "index.js": `exports.handler = async (e) => e` },
    handler: "index.handler",
    event: `not json`
  },
  // --- streaming
  {
    name: "streamifyResponse with setContentType",
    files: {
      "s.mjs": `export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.setContentType("text/plain")
  responseStream.write("hello ")
  responseStream.write({ json: true })
  responseStream.end("bye")
})`
    },
    handler: "s.handler"
  },
  {
    name: "HttpResponseStream.from prelude",
    files: {
      "s.mjs": `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const s = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { "x-a": "b" }, cookies: ["c=d"] })
  s.write("body")
  s.end()
})`
    },
    handler: "s.handler"
  },
  {
    name: "streaming failure after the first byte goes in the trailers",
    files: {
      "s.mjs": `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write("partial")
  await new Promise((r) => setTimeout(r, 20))
  throw new Error("stream broke")
})`
    },
    handler: "s.handler"
  },
  {
    name: "streaming handler that is not async",
    files: {
      "s.mjs":
        `export const handler = awslambda.streamifyResponse((event, responseStream) => { responseStream.end("x") })`
    },
    handler: "s.handler"
  },
  {
    name: "streaming handler returning a value",
    files: {
      "s.mjs":
        `export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => { responseStream.end("done"); return 5 })`
    },
    handler: "s.handler"
  },
  {
    name: "setContentType after the first write",
    files: {
      "s.mjs":
        `export const handler = awslambda.streamifyResponse(async (event, responseStream) => { responseStream.write("a"); responseStream.setContentType("text/html") })`
    },
    handler: "s.handler"
  },
  // --- console
  {
    name: "console in Text format",
    files: {
      "index.js": `console.log("at init")
exports.handler = async () => {
  console.log("hello %s", "world", { n: 1 })
  console.info("multi\\nline")
  console.debug("debug")
  console.warn("warn")
  console.error("error", new Error("logged"))
  console.trace("trace")
  console.fatal("fatal")
  return "logged"
}`
    },
    handler: "index.handler"
  },
  {
    name: "console in JSON format at level WARN",
    files: {
      "index.js": `exports.handler = async () => {
  console.log("hidden")
  console.warn("shown", { n: 1 })
  console.error(new TypeError("as json"))
  console.error("with error", new RangeError("second"))
  throw new Error("and fails")
}`
    },
    handler: "index.handler",
    env: { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" }
  },
  {
    name: "no awslambda global when disabled",
    files: { "index.js": `exports.handler = async () => typeof globalThis.awslambda` },
    handler: "index.handler",
    env: { AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: "true" }
  }
]
