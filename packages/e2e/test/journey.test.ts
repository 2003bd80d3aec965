// The user's journey of issue 11, as a user meets it: every package published (by the release
// script, as a release does) to a local verdaccio, then, in a folder outside this checkout whose
// .npmrc maps only the @effect-lambda scope to it (everything else comes from the npm registry):
// `npm i @effect-lambda/cli`, `npx effect-lambda new` for every template, the steps `new` prints
// run exactly as printed (npm install, npm test, npx effect-lambda invoke), `npx tsc --noEmit`
// (strict, skipLibCheck false), `npx effect-lambda invoke . --event ...` and `npx effect-lambda build .`.
//
// Runs in CI (CI set) or with EFFECT_LAMBDA_JOURNEY=1; it needs `pnpm build` (every package's
// dist/ and the CLI bundle) and the npm registry. The registry is stopped whatever happens
// (the layer's finalizer).
import { describe, expect, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false"
const enabled = ci || process.env.EFFECT_LAMBDA_JOURNEY === "1"

interface Ran {
  readonly code: number | null
  readonly output: string
}

/**
 * The environment of a user's shell: ours without what `pnpm run` and vitest add (a nested npm
 * or vitest would read them: npm_config_user_agent would make `new` print pnpm's steps).
 */
const userEnv = (extra: Record<string, string>): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|pnpm_|VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$|INIT_CWD$)/i.test(key)) {
      continue
    }
    env[key] = value
  }
  return { ...env, CI: "true", NO_COLOR: "1", ...extra }
}

/** Runs a shell command line; never fails, resolves to the exit code and the interleaved output. */
const sh = (line: string, cwd: string, env: Record<string, string>, timeoutMs = 600_000): Effect.Effect<Ran> =>
  Effect.async<Ran>((resume) => {
    // Its own process group, so that a timeout or an interrupted test kills npm, vitest, the
    // emulator ... under it, not only the shell.
    const child = spawn("sh", ["-c", line], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    const killAll = () => {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
    }
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d))
    const timer = setTimeout(killAll, timeoutMs)
    child.on("close", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, output }))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      killAll()
    })
  })

/** Fails the test with the command's output when it did not exit 0. */
const ok = (line: string, cwd: string, env: Record<string, string>) =>
  Effect.tap(
    sh(line, cwd, env),
    (r) => Effect.sync(() => expect(r.code, `\`${line}\` in ${cwd}:\n${r.output}`).toBe(0))
  )

const freePort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as Net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** The local registry with every package published, and the user's folder that uses it. */
class Journey extends Context.Tag("e2e/Journey")<Journey, {
  readonly registry: string
  /** A folder outside the checkout whose .npmrc maps @effect-lambda to the registry. */
  readonly home: string
  readonly env: Record<string, string>
  readonly publishSeconds: number
}>() {}

const verdaccioBin = (): string => {
  const manifest = createRequire(import.meta.url).resolve("verdaccio/package.json")
  return Path.join(Path.dirname(manifest), "bin/verdaccio")
}

const JourneyLive = Layer.scoped(
  Journey,
  Effect.gen(function*() {
    for (
      const built of ["packages/cli/dist/bin.mjs", "packages/runtime/dist/index.js", "packages/testing/dist/index.d.ts"]
    ) {
      if (!Fs.existsSync(Path.join(repoRoot, built))) throw new Error(`${built} is missing: run \`pnpm build\` first`)
    }
    const root = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.realpathSync(Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-lambda-journey-")))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 }))
    )
    const port = yield* freePort
    const registry = `http://127.0.0.1:${port}/`
    const storage = Path.join(root, "verdaccio")
    Fs.mkdirSync(storage)
    // No uplinks: only what the release script publishes is served.
    Fs.writeFileSync(
      Path.join(storage, "config.yaml"),
      [
        `storage: ${JSON.stringify(Path.join(storage, "storage"))}`,
        "auth:",
        "  htpasswd:",
        `    file: ${JSON.stringify(Path.join(storage, "htpasswd"))}`,
        "    max_users: 10",
        "uplinks: {}",
        "packages:",
        "  '@effect-lambda/*':",
        "    access: $all",
        "    publish: $authenticated",
        "log: { type: stdout, format: pretty, level: warn }",
        ""
      ].join("\n")
    )
    let registryLog = ""
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = spawn(process.execPath, [
          verdaccioBin(),
          "--config",
          Path.join(storage, "config.yaml"),
          "--listen",
          `127.0.0.1:${port}`
        ], {
          cwd: storage,
          stdio: ["ignore", "pipe", "pipe"],
          env: userEnv({})
        })
        child.stdout.setEncoding("utf8").on("data", (d: string) => (registryLog += d))
        child.stderr.setEncoding("utf8").on("data", (d: string) => (registryLog += d))
        return child
      }),
      (child) =>
        Effect.promise(() =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            const force = setTimeout(() => child.kill("SIGKILL"), 5_000)
            child.once("close", () => {
              clearTimeout(force)
              resolve()
            })
            child.kill("SIGTERM")
          })
        )
    )
    // Up when it answers its ping.
    yield* Effect.tryPromise(() =>
      fetch(`${registry}-/ping`).then((r) => (r.ok ? undefined : Promise.reject(new Error(String(r.status)))))
    ).pipe(
      Effect.retry(Schedule.spaced("250 millis")),
      Effect.timeoutFail({
        duration: "90 seconds",
        onTimeout: () => new Error(`verdaccio did not start:\n${registryLog}`)
      }),
      Effect.orDie
    )
    const token = yield* Effect.promise(() =>
      fetch(`${registry}-/user/org.couchdb.user:journey`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "journey", password: "journey-password" })
      }).then((r) => r.json() as Promise<{ token: string }>)
    )
    // The release script, as a maintainer runs it, pointed at the local registry.
    const publishRc = Path.join(storage, "publish.npmrc")
    Fs.writeFileSync(publishRc, `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token.token}\n`)
    const started = Date.now()
    const { npm_config_registry: _r, npm_config_userconfig: _u, ...ours } = process.env
    const release = yield* sh("node scripts/release.mjs --no-clean --no-git-tag", repoRoot, {
      ...(ours as Record<string, string>),
      npm_config_registry: registry,
      npm_config_userconfig: publishRc
    })
    expect(release.code, release.output).toBe(0)
    const publishSeconds = (Date.now() - started) / 1000

    // The user's folder; its .npmrc is also the user config (what ~/.npmrc is), so that npm in
    // the function folders under it sees the same scope mapping.
    const home = Path.join(root, "work")
    Fs.mkdirSync(home)
    const npmrc = Path.join(home, ".npmrc")
    Fs.writeFileSync(npmrc, `@effect-lambda:registry=${registry}\n`)
    return { registry, home, env: userEnv({ npm_config_userconfig: npmrc }), publishSeconds }
  })
)

const expected: Record<string, (stdout: string) => void> = {
  hello: (stdout) => expect(JSON.parse(stdout)).toEqual({ message: "hello world" }),
  "http-api": (stdout) => {
    const answer = JSON.parse(stdout) as { statusCode: number; body: string }
    expect(answer.statusCode).toBe(200)
    expect(JSON.parse(answer.body)).toEqual({ message: "hello world" })
  },
  sqs: (stdout) => expect(JSON.parse(stdout)).toEqual({ batchItemFailures: [] }),
  // answerOf trims the trailing newline of the last chunk.
  streaming: (stdout) => expect(stdout).toContain("chunk 1\nchunk 2\nchunk 3")
}

/** The answer line(s) of `invoke`: what follows the emulator's REPORT line. */
const answerOf = (output: string): string =>
  output.slice(output.lastIndexOf("REPORT RequestId")).split("\n").slice(1).join("\n").trim()

// Generous for a loaded machine; on an idle two-core runner the whole journey takes about three minutes.
const SLOW = 900_000

// EFFECT_LAMBDA_JOURNEY_TEMPLATES=hello,sqs narrows the run while working on one template.
const only = (process.env.EFFECT_LAMBDA_JOURNEY_TEMPLATES ?? "").split(",").filter((t) => t !== "")

describe.skipIf(!enabled)("the user's journey: published packages from a registry, outside this checkout", () => {
  layer(JourneyLive, { timeout: "600 seconds", excludeTestServices: true })((it) => {
    it.effect(
      "npm i @effect-lambda/cli installs the published CLI, and only @effect-lambda comes from the local registry",
      () =>
        Effect.gen(function*() {
          const { env, home, publishSeconds, registry } = yield* Journey
          const started = Date.now()
          yield* ok("npm init -y >/dev/null && npm i @effect-lambda/cli", home, env)
          const lock = JSON.parse(Fs.readFileSync(Path.join(home, "package-lock.json"), "utf8")) as {
            packages: Record<string, { resolved?: string }>
          }
          expect(lock.packages["node_modules/@effect-lambda/cli"]?.resolved).toMatch(new RegExp(`^${registry}`))
          expect(lock.packages["node_modules/esbuild"]?.resolved).toMatch(/^https:\/\/registry\.npmjs\.org\//)
          const r = yield* ok("npx effect-lambda --version", home, env)
          expect(r.output.trim()).toMatch(/^\d+\.\d+\.\d+/)
          // The README's form, by package name.
          expect((yield* ok("npx @effect-lambda/cli --version", home, env)).output.trim()).toBe(r.output.trim())
          process.stderr.write(
            `journey: publish ${publishSeconds.toFixed(1)} s, npm i @effect-lambda/cli ${
              ((Date.now() - started) / 1000).toFixed(1)
            } s\n`
          )
        }),
      SLOW
    )

    // Two templates at a time: CI has two cores. (The layer runs without TestClock: real time.)
    const lanes = Effect.runSync(Effect.makeSemaphore(2))
    describe.concurrent("every template", () => {
      for (const template of Object.keys(expected).filter((t) => only.length === 0 || only.includes(t))) {
        it.effect(
          `${template}: new, the printed steps, tsc --noEmit, invoke --event, build`,
          () =>
            lanes.withPermits(1)(Effect.gen(function*() {
              const { env, home } = yield* Journey
              const started = Date.now()
              const name = `demo-${template}`
              const created = yield* ok(`npx effect-lambda new ${name} --template ${template}`, home, env)
              const lines = created.output.split("\n")
              const next = lines[lines.indexOf("next:") + 1]?.trim() ?? ""
              expect(next, created.output).toBe(
                `cd ${name} && npm install && npm test && npx effect-lambda invoke . --event-file events/sample.json`
              )
              // Exactly as printed.
              const steps = yield* ok(next, home, env)
              expect(steps.output).toMatch(/Tests\s+\d+ passed/)
              expected[template]!(answerOf(steps.output))

              const dir = Path.join(home, name)
              const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as {
                dependencies: Record<string, string>
              }
              expect(manifest.dependencies["@effect-lambda/runtime"]).toMatch(/^\^\d+\.\d+\.\d+$/)
              const tsconfig = JSON.parse(Fs.readFileSync(Path.join(dir, "tsconfig.json"), "utf8"))
              expect(tsconfig.compilerOptions).toMatchObject({ strict: true, skipLibCheck: false })
              yield* ok("npx tsc --noEmit", dir, env)

              const event = Fs.readFileSync(Path.join(dir, "events/sample.json"), "utf8").trim()
              const invoked = yield* ok(
                `npx effect-lambda invoke . --event '${event.replace(/'/g, "'\\''")}'`,
                dir,
                env
              )
              expected[template]!(answerOf(invoked.output))

              const built = yield* ok("npx effect-lambda build .", dir, env)
              expect(built.output).toContain("function.zip")
              expect(Fs.statSync(Path.join(dir, "build/lambda/provided.al2023/function.zip")).size).toBeGreaterThan(
                1_000_000
              )
              process.stderr.write(`journey: ${template} ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
            })),
          SLOW
        )
      }
    })
  })
})
