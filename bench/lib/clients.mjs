// The clients under test. Each one is a separate process started as Lambda would start it, with
// the function environment Lambda provides, on the same Node binary (`node`, also first on PATH so
// that a bootstrap script which runs `node` gets that binary too).
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { heapFlags, MEMORY_MB } from "./heap.mjs"

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..")
export const repoDir = join(benchDir, "..")
export const helloDir = join(repoDir, "examples", "hello")
// effect-lambda is measured as a user deploys it: the zip `effect-lambda build examples/hello`
// makes (built by run.mjs with --node-layer, so that its bootstrap runs the same Node binary as
// every other client), unzipped, started through its own `bootstrap`.
export const artefactDir = join(repoDir, ".tmp", "bench", "hello-artefact")
export const artefactTask = join(artefactDir, "task")
export const helloBundle = join(artefactTask, "main.mjs")

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
    // 128 MB, Lambda's default: effect-lambda's bootstrap sizes V8's heap from it (as AWS's does).
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB),
    AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    TZ: ":UTC",
    ...extra
  }
}

// Every client started with `node` directly gets the heap flags AWS's Node.js bootstrap passes
// for the function's memory; effect-lambda's bootstrap computes the same ones itself.
const script = (name, label, file, why) => ({
  name,
  label,
  why,
  entry: file,
  launch: ({ node, api }) => ({
    command: node,
    args: [...heapFlags(), file],
    env: lambdaEnv(node, api),
    cwd: benchDir
  })
})

const artefact = (name, label, why, extraEnv = {}, task = artefactTask) => ({
  name,
  label,
  why,
  entry: join(task, "main.mjs"),
  launch: ({ node, api }) => ({
    command: join(task, "bootstrap"),
    args: [],
    env: lambdaEnv(node, api, { LAMBDA_TASK_ROOT: task, ...extraEnv }),
    cwd: task
  })
})

function ric(name, label, ricEntry, extraEnv, why, flags = heapFlags()) {
  const taskRoot = join(benchDir, "ric")
  return {
    name,
    label,
    why,
    entry: ricEntry,
    launch: ({ node, api }) => ({
      command: node,
      args: [...flags, ricEntry],
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
    artefact("effect-lambda", "effect-lambda (built examples/hello)", "this project, as deployed"),
    artefact(
      "effect-lambda-http",
      "effect-lambda, node:http transport",
      "what the hand-written HTTP/1.1 client saves",
      { EFFECT_LAMBDA_TRANSPORT: "node-http" }
    )
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
  // BENCH_BEFORE=<dir>: an unzipped artefact of an earlier commit, measured in the same run (before/after).
  if (process.env.BENCH_BEFORE) {
    clients.splice(
      3,
      0,
      artefact(
        "effect-lambda-before",
        "effect-lambda, before (BENCH_BEFORE)",
        "before/after",
        {},
        process.env.BENCH_BEFORE
      )
    )
  }
  // BENCH_RECONCILE=1: the setup of the bench before issue 16, beside the one of now, to show
  // where the two disagreed (effect-lambda told 1024 MB, so a 51 MiB semi-space; RIC no flags).
  if (process.env.BENCH_RECONCILE === "1") {
    clients.push(
      // The build of BENCH_BEFORE when there is one: the code the old bench measured.
      artefact(
        "effect-lambda-1024",
        `effect-lambda${process.env.BENCH_BEFORE ? ", before," : ""} told 1024 MB (old bench)`,
        "reconciliation",
        { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024" },
        process.env.BENCH_BEFORE ?? artefactTask
      )
    )
    if (peers.ricEntry) {
      clients.push(
        ric("ric-noflags", "aws-lambda-ric, no heap flags (old bench)", peers.ricEntry, {}, "reconciliation", [])
      )
    }
  }
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
        ? `${c.entry} not found: run.mjs builds it with \`effect-lambda build examples/hello\``
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
      launch: ({ node, api }) => ({
        command: node,
        args: [...heapFlags(), raw],
        env: lambdaEnv(node, api, extra),
        cwd: benchDir
      })
    },
    {
      name: "effect-lambda-stream",
      label: "effect-lambda Handler.stream",
      why: "this project, streaming",
      entry: streamBundle,
      launch: ({ node, api }) => ({
        command: node,
        args: [...heapFlags(), streamBundle],
        env: lambdaEnv(node, api, extra),
        cwd: benchDir
      })
    }
  ]
  for (const c of clients) if (!existsSync(c.entry)) c.missing = `${c.entry} not found`
  return clients
}
