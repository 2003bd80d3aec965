/**
 * The live view at `GET /`, in a real browser: headless Chromium (Debian's `chromium` package)
 * driven by playwright-core, against an emulator running a real runtime process (the fake
 * runtime fixture, whose event picks what it does: answer, log, fail, crash, sleep).
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Fs from "node:fs"
import { type Browser, chromium, type Page } from "playwright-core"
import { Emulator } from "../src/index.js"
import { collectLogs, fixture, next, request, requestId, respond } from "./utils.js"

const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const hasChromium = Fs.existsSync(executablePath)
// CI installs Chromium (.ci/run) and must run the browser test: only a local run skips it, saying why.
const skip = !hasChromium && process.env.CI !== "true"
if (skip) {
  console.warn(`LiveView.test.ts: skipped, no Chromium at ${executablePath} (as root: apt-get install -y chromium)`)
}

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** The first message of `GET /_live/events`: the history as the emulator holds it. */
const snapshot = (url: string) =>
  promise(async () => {
    const controller = new AbortController()
    const response = await fetch(`${url}/_live/events`, { signal: controller.signal })
    const reader = response.body!.getReader()
    let text = ""
    while (!text.includes("\n\ndata: ") || !text.endsWith("\n\n")) {
      const { done, value } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    const data = text.split("\n").find((line) => line.startsWith("data: "))!
    return { contentType: response.headers.get("content-type"), message: JSON.parse(data.slice("data: ".length)) }
  })

// One browser for the file (a launch costs a second on a loaded box), a fresh page per test.
let browser: Promise<Browser> | undefined
afterAll(async () => {
  await (await browser)?.close()
})

/** A browser page for the scope, closed with it. */
const openPage = Effect.acquireRelease(
  promise(() => (browser ??= chromium.launch({ executablePath, args: ["--no-sandbox"] })).then((b) => b.newPage())),
  (page) => promise(() => page.close())
)

const wait = { timeout: 15_000 }

/** The row of an invocation once it shows `kind` ("ok", "error", "timeout", "crash", ...). */
const row = (page: Page, requestId: string, kind: string) =>
  promise(() => page.locator(`tr[data-request-id="${requestId}"][data-kind="${kind}"]`).waitFor(wait))

/** Clicks an invocation's row and returns the detail panel's texts once it shows that invocation. */
const detail = (page: Page, requestId: string) =>
  Effect.gen(function*() {
    yield* promise(() => page.click(`tr[data-request-id="${requestId}"]`))
    yield* promise(() => page.locator(`#detail h2:has-text("${requestId}")`).waitFor(wait))
    return yield* promise(() => page.locator("#detail").innerText())
  })

/** The request id of the selected row once it shows `kind`: the page selects what its form invoked. */
const selectedOnce = (page: Page, kind: string, not: ReadonlyArray<string>) =>
  promise(async () => {
    const notOld = not.map((id) => `:not([data-request-id="${id}"])`).join("")
    const selected = page.locator(`tr.selected[data-kind="${kind}"]${notOld}`)
    await selected.waitFor(wait)
    return (await selected.getAttribute("data-request-id"))!
  })

describe.skipIf(skip)("live view", () => {
  it.scopedLive(
    "shows past and new invocations, their details, and invokes from its form",
    () =>
      Effect.gen(function*() {
        const logs = collectLogs()
        const emulator = yield* Emulator.make({
          functionDir: fixture("fake-runtime"),
          timeout: "2 seconds",
          memorySizeMb: 256,
          onLog: logs.onLog
        })
        // Before the page is open: the page shows it from the history.
        const past = yield* emulator.invoke(JSON.stringify({ op: "log", lines: ["first line", "second line"] }))

        const page = yield* openPage
        yield* promise(() => page.goto(`${emulator.url}/`))
        yield* row(page, past.requestId, "ok")
        const pastDetail = yield* detail(page, past.requestId)
        expect(pastDetail).toContain("cold start")
        expect(pastDetail).toContain("256 MB")
        expect(pastDetail).toContain("Init duration")
        const pastLogs = yield* promise(() => page.locator("#logs").innerText())
        expect(pastLogs).toContain("first line\nsecond line")
        expect(pastLogs).toContain(`START RequestId: ${past.requestId}`)
        expect(pastLogs).toContain(`REPORT RequestId: ${past.requestId}`)
        // The form is pre-filled with the last event.
        expect(JSON.parse(yield* promise(() => page.inputValue("#event")))).toEqual({
          op: "log",
          lines: ["first line", "second line"]
        })

        // Through the form: the page selects the new invocation and shows its response.
        yield* promise(() => page.fill("#event", JSON.stringify({ op: "echo", greeting: "from the form" })))
        yield* promise(() => page.click("#invoke"))
        const fromForm = yield* selectedOnce(page, "ok", [past.requestId])
        yield* promise(() => page.locator(`[data-testid="response"]:has-text("from the form")`).waitFor(wait))
        const formDetail = yield* promise(() => page.locator("#detail").innerText())
        expect(formDetail).not.toContain("cold start")
        expect(logs.lines).toContain(`START RequestId: ${fromForm} Version: $LATEST`)

        // Through the Invoke API while the page is open: a decode error, shown as path/problem lines.
        const invalid = yield* request(emulator.url, "/2015-03-31/functions/function/invocations", {
          method: "POST",
          body: JSON.stringify({
            op: "error",
            type: "Runtime.InvalidEvent",
            body: JSON.stringify({
              errorType: "ParseError",
              errorMessage: "[\"name\"] is missing\n[\"items\"][1][\"price\"] Expected number, actual \"free\"",
              stackTrace: []
            })
          })
        })
        expect(invalid.headers["x-amz-function-error"]).toBe("Unhandled")
        const invalidId = invalid.headers["x-amzn-requestid"] as string
        yield* row(page, invalidId, "error")
        yield* detail(page, invalidId)
        const problems = yield* promise(() => page.locator(`[data-testid="problems"] tr`).allInnerTexts())
        expect(problems.map((line) => line.split("\t"))).toEqual([
          ["name", "is missing"],
          ["items[1].price", "Expected number, actual \"free\""]
        ])

        // A timeout, then a crash; the runtime after each is a restart.
        const slow = yield* emulator.invoke(JSON.stringify({ op: "sleep", ms: 10_000 }))
        yield* row(page, slow.requestId, "timeout")
        const crashed = yield* emulator.invoke(JSON.stringify({ op: "crash" }))
        yield* row(page, crashed.requestId, "crash")
        expect(yield* detail(page, crashed.requestId)).toContain("runtime restarted")
        expect(yield* promise(() => page.locator("#logs").innerText())).toContain("crashing")

        // Replay: the same event again, as a new invocation.
        yield* detail(page, fromForm)
        yield* promise(() => page.click("#replay"))
        const replayed = yield* selectedOnce(page, "ok", [past.requestId, fromForm])
        expect(yield* promise(() => page.locator(`[data-testid="event"]`).innerText())).toContain("from the form")
        expect(yield* detail(page, replayed)).toContain("runtime restarted")

        // Not JSON: refused by the Invoke API, said next to the form.
        yield* promise(() => page.fill("#event", "{ not json"))
        yield* promise(() => page.click("#invoke"))
        yield* promise(() =>
          page.locator(`#formError:has-text("Could not parse request body into json")`).waitFor(wait)
        )

        // The README's picture: EFFECT_LAMBDA_LIVE_VIEW_SCREENSHOT=docs/live-view.png (from the root).
        const screenshot = process.env.EFFECT_LAMBDA_LIVE_VIEW_SCREENSHOT
        if (screenshot !== undefined) {
          yield* promise(() => page.setViewportSize({ width: 1360, height: 760 }))
          // Afresh from the history, as a page opened now: the form holds the last event again.
          yield* promise(() => page.reload())
          yield* row(page, invalidId, "error")
          yield* detail(page, invalidId)
          yield* promise(() => page.screenshot({ path: screenshot }))
        }
      }),
    60_000
  )

  it.scopedLive(
    "keeps the page's history when the emulator restarts on its port (watch)",
    () =>
      Effect.gen(function*() {
        const first = yield* Scope.make()
        const before = yield* Emulator.make({ functionDir: fixture("fake-runtime"), onLog: () => {} }).pipe(
          Scope.extend(first)
        )
        const old = yield* before.invoke(JSON.stringify({ op: "echo", build: 1 }))
        const page = yield* openPage
        yield* promise(() => page.goto(`${before.url}/`))
        yield* row(page, old.requestId, "ok")
        yield* Scope.close(first, Exit.void)
        yield* promise(() => page.locator("#status:not(.live)").waitFor(wait))
        const port = Number(new URL(before.url).port)
        const after = yield* Emulator.make({ functionDir: fixture("fake-runtime"), port, onLog: () => {} })
        const fresh = yield* after.invoke(JSON.stringify({ op: "echo", build: 2 }))
        yield* row(page, fresh.requestId, "ok")
        expect(yield* promise(() => page.locator(`tr[data-request-id="${old.requestId}"]`).count())).toBe(1)
      }),
    30_000
  )

  it.scopedLive("shows the extensions a cold start registered", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({
        functionDir: fixture("with-extensions"),
        onLog: () => {},
        env: { FAKE_EXTENSION: "fake-internal" }
      })
      const cold = yield* emulator.invoke(JSON.stringify({ op: "echo" }), { awaitEnd: true })
      const page = yield* openPage
      yield* promise(() => page.goto(`${emulator.url}/`))
      yield* row(page, cold.requestId, "ok")
      yield* detail(page, cold.requestId)
      const rows = yield* promise(() => page.locator(`[data-testid="extensions"] tr`).allInnerTexts())
      expect(rows.map((line) => line.split("\t")).sort()).toEqual([
        ["fake-internal", "Ready", "[]", ""],
        ["recorder", "Ready", "[INVOKE, SHUTDOWN]", ""]
      ])
    }), 30_000)

  it.scopedLive("shows an asynchronous invocation's retries and its on-failure record", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({
        functionDir: fixture("fake-runtime"),
        onLog: () => {},
        asyncInvocation: { maxRetryAttempts: 1, retryDelays: ["1500 millis", "1500 millis"] }
      })
      const page = yield* openPage
      yield* promise(() => page.goto(`${emulator.url}/`))
      const failing = JSON.stringify({ op: "error", type: "Function.Boom", body: "{\"errorType\":\"Boom\"}" })
      const queued = yield* emulator.invoke(failing, { invocationType: "Event" })
      expect(queued.statusCode).toBe(202)
      // The first attempt failed: another one is due (in 1.5 s, time enough to see it on a loaded box).
      yield* promise(() => page.locator(`tr[data-request-id="${queued.requestId}"] .tag.retry`).waitFor(wait))
      yield* promise(() =>
        page.locator(`tr[data-request-id="${queued.requestId}"]:has-text("given up"):has-text("attempt 2")`)
          .waitFor(wait)
      )
      const text = yield* detail(page, queued.requestId)
      expect(text).toContain("Event (asynchronous)")
      expect(text).toContain("RetriesExhausted after 2 attempt(s)")
      const record = JSON.parse(yield* promise(() => page.locator(`[data-testid="on-failure"]`).innerText()))
      expect(record.requestContext).toMatchObject({
        requestId: queued.requestId,
        condition: "RetriesExhausted",
        approximateInvokeCount: 2
      })
      expect(record.requestPayload).toEqual(JSON.parse(failing))
    }), 30_000)

  it.scopedLive("invokes only for the page itself: custom header and same origin", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionDir: fixture("fake-runtime"), onLog: () => {} })
      const invokePath = "/_live/invoke"
      const body = JSON.stringify({ op: "echo" })
      // A form or a simple fetch from another site sends no custom header.
      const plain = yield* request(emulator.url, invokePath, { method: "POST", body })
      expect(plain.status).toBe(403)
      // A page elsewhere that sends the header anyway (its preflight would fail first).
      const crossOrigin = yield* request(emulator.url, invokePath, {
        method: "POST",
        body,
        headers: { "x-effect-lambda-live": "1", origin: "http://evil.example" }
      })
      expect(crossOrigin.status).toBe(403)
      const crossSite = yield* request(emulator.url, invokePath, {
        method: "POST",
        body,
        headers: { "x-effect-lambda-live": "1", "sec-fetch-site": "cross-site" }
      })
      expect(crossSite.status).toBe(403)
      // The preflight of a cross-origin request is not answered with CORS permission.
      const preflight = yield* request(emulator.url, invokePath, {
        method: "OPTIONS",
        headers: { origin: "http://evil.example", "access-control-request-method": "POST" }
      })
      expect(preflight.headers["access-control-allow-origin"]).toBeUndefined()
      // A DNS-rebound name is refused before any route (the emulator's Host check).
      const rebound = yield* request(emulator.url, "/", { headers: { host: "evil.example" } })
      expect(rebound.status).toBe(421)
      // The page itself: same origin, with the header.
      const host = emulator.url.slice("http://".length)
      const own = yield* request(emulator.url, invokePath, {
        method: "POST",
        body,
        headers: { "x-effect-lambda-live": "1", origin: `http://${host}`, host }
      })
      expect(own.status).toBe(202)
      expect(own.json().requestId).toMatch(/^[0-9a-f-]{36}$/)
    }), 30_000)
})

describe("live view history", () => {
  it.scopedLive("keeps the last 200 invocations for a page opened later", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionDir: fixture("fake-runtime"), onLog: () => {} })
      const ids: Array<string> = []
      for (let i = 0; i < 203; i++) {
        // The last one waits for its REPORT (the runtime's next `next`): then it has its figures.
        const options = { awaitEnd: i === 202 }
        ids.push((yield* emulator.invoke(JSON.stringify({ op: "echo", i }), options)).requestId)
      }
      const { contentType, message } = yield* snapshot(emulator.url)
      expect(contentType).toBe("text/event-stream")
      expect(message.type).toBe("snapshot")
      expect(message.entries.map((entry: { requestId: string }) => entry.requestId)).toEqual(ids.slice(3))
      const last = message.entries[199]
      expect(JSON.parse(last.event)).toEqual({ op: "echo", i: 202 })
      expect(last.outcome.kind).toBe("ok")
      expect(last.report.memorySizeMb).toBe(128)
      expect(last.logs.some((line: string) => line.startsWith(`REPORT RequestId: ${last.requestId}`))).toBe(true)
    }), 60_000)

  it.scopedLive("marks throttled and asynchronous invocations, and the sandbox of each", () =>
    Effect.gen(function*() {
      // The test plays the runtime: an invocation is in flight while it holds it.
      const emulator = yield* Emulator.make({ reservedConcurrency: 1, onLog: () => {} })
      const held = yield* Effect.fork(emulator.invoke(JSON.stringify({ held: true })))
      const heldId = requestId(yield* next(emulator))
      const throttled = yield* emulator.invoke(JSON.stringify({ late: true }))
      expect(throttled.statusCode).toBe(429)
      // An asynchronous one is not throttled: it waits its turn.
      const asynchronous = yield* emulator.invoke(JSON.stringify({ later: true }), { invocationType: "Event" })
      expect(asynchronous.statusCode).toBe(202)
      yield* respond(emulator, heldId, "\"done\"")
      expect((yield* held).statusCode).toBe(200)

      const { message } = yield* snapshot(emulator.url)
      const byId = new Map<string, any>(message.entries.map((entry: any) => [entry.requestId, entry]))
      expect(byId.get(throttled.requestId).outcome.kind).toBe("throttled")
      expect(JSON.parse(byId.get(throttled.requestId).event)).toEqual({ late: true })
      expect(byId.get(asynchronous.requestId).async).toBe(true)
      expect(byId.get(heldId).async).toBe(false)
      expect(byId.get(heldId).sandbox).toBe(0)
      expect(message.function.concurrency).toBe(1)
    }), 30_000)
})
