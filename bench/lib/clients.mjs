// The clients under test. Each one is a separate process started as Lambda would start it, with
// the function environment Lambda provides, on the same Node binary (`node`, also first on PATH so
// that a bootstrap script which runs `node` gets that binary too).
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..")
export const repoDir = join(benchDir, "..")
export const helloDir = join(repoDir, "examples", "hello")
export const helloBundle = join(helloDir, "dist", "main.mjs")

// What Lambda sets for every function; aws-lambda-ric fails the first invocation without the
// AWS_LAMBDA_* ones, and effect-lambda's FunctionConfig reads them at init.
export function lambdaEnv(node, api, extra = {}) {
  const env = {}
  // The caller's npm/pnpm variables and NODE_OPTIONS would change how clients start; drop them.
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_)/i.test(k) && k !== "NODE_OPTIONS" && k !== "INIT_CWD") env[k] = v
  }
  return {
    ...env,
    PATH: `${dirname(node)}:${process.env.PATH}`,
    AWS_LAMBDA_RUNTIME_API: api,
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: "bench",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    TZ: ":UTC",
    ...extra
  }
}

const script = (name, label, file, why) => ({
  name,
  label,
  why,
  entry: file,
  launch: ({ node, api }) => ({ command: node, args: [file], env: lambdaEnv(node, api), cwd: benchDir })
})

function ric(name, label, ricEntry, extraEnv, why) {
  const taskRoot = join(benchDir, "ric")
  return {
    name,
    label,
    why,
    entry: ricEntry,
    launch: ({ node, api }) => ({
      command: node,
      args: [ricEntry],
      env: lambdaEnv(node, api, { _HANDLER: "handler.handler", LAMBDA_TASK_ROOT: taskRoot, ...extraEnv }),
      cwd: taskRoot
    })
  }
}

/**
 * All clients, in the order they run within a round; `missing` says why one cannot run here.
 * `peers` is what setup-peers.mjs resolved (`ricEntry` may be absent).
 */
export function allClients(peers) {
  const clients = [
    script("raw", "node:http raw loop", join(benchDir, "clients", "raw.mjs"), "reference: every ratio is against it"),
    script(
      "socket",
      "net.Socket floor",
      join(benchDir, "clients", "socket.mjs"),
      "physical floor of a JS runtime client"
    ),
    {
      name: "effect-lambda",
      label: "effect-lambda (examples/hello)",
      why: "this project",
      entry: helloBundle,
      launch: ({ node, api }) => ({
        command: join(helloDir, "bootstrap"),
        args: [],
        env: lambdaEnv(node, api),
        cwd: helloDir
      })
    }
  ]
  // The drop-in runner on the same plain handler and task root as aws-lambda-ric.
  clients.push(
    ric(
      "dropin",
      "effect-lambda drop-in runner (same handler as RIC)",
      dropinBundle,
      {},
      "this project, plain Node.js handler"
    )
  )
  if (peers.ricEntry) {
    clients.push(
      ric("ric", "aws-lambda-ric (libcurl next)", peers.ricEntry, {}, "AWS's client, default native mode"),
      ric("ric-http", "aws-lambda-ric (node:http next)", peers.ricEntry, {
        AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1: "true"
      }, "AWS's client, alternative mode")
    )
  }
  for (const c of clients) {
    if (!existsSync(c.entry)) {
      c.missing = c.name === "effect-lambda"
        ? `${c.entry} not found: run \`pnpm build\` first`
        : `${c.entry} not found`
    }
  }
  return clients
}

export const dropinSource = join(benchDir, "clients", "dropin.ts")
export const dropinBundle = join(repoDir, ".tmp", "bench", "dropin.mjs")

export const streamSource = join(benchDir, "clients", "effect-stream.ts")
export const streamBundle = join(repoDir, ".tmp", "bench", "effect-stream.mjs")

/**
 * The streaming row's clients: a raw chunked POST loop and effect-lambda's `Handler.stream`
 * (built by run.mjs into `streamBundle`), each sending `bytes` per invocation.
 */
export function streamingClients(bytes) {
  const extra = { STREAM_BYTES: String(bytes) }
  const raw = join(benchDir, "clients", "raw-stream.mjs")
  const clients = [
    {
      name: "raw-stream",
      label: "node:http chunked POST",
      why: "reference of the streaming row",
      entry: raw,
      launch: ({ node, api }) => ({ command: node, args: [raw], env: lambdaEnv(node, api, extra), cwd: benchDir })
    },
    {
      name: "effect-lambda-stream",
      label: "effect-lambda Handler.stream",
      why: "this project, streaming",
      entry: streamBundle,
      launch: ({ node, api }) => ({
        command: node,
        args: [streamBundle],
        env: lambdaEnv(node, api, extra),
        cwd: benchDir
      })
    }
  ]
  for (const c of clients) if (!existsSync(c.entry)) c.missing = `${c.entry} not found`
  return clients
}
