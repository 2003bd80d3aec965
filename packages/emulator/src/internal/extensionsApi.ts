/**
 * The Extensions API 2020-01-01 on the Runtime API's address, answering as Lambda's RAPID does
 * (aws-lambda-runtime-interface-emulator `rapi/handler/agent*.go`): refusals are 403 with
 * `{errorMessage, errorType}`, reports are 202 `{"status":"OK"}`.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as body from "./body.js"
import * as host from "./extensionsHost.js"
import { header, incoming, json, method } from "./http.js"
import * as model from "./model.js"
import * as protocol from "./protocol.js"

export const prefix = "/2020-01-01/extension"

const forbidden = (errorType: string, errorMessage: string) =>
  json(403, protocol.runtimeApiErrorBody(errorType, errorMessage))

const stateTransitionFailed = (from: string, to: string, extension: string) =>
  forbidden(
    "Extension.InvalidExtensionState",
    `State transition from ${from} to ${to} failed for extension ${extension}. Error: State transition is not allowed`
  )

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Without a host (never in practice), the Extensions API is not there: Go's 404. */
const withHost = <E, R>(
  f: (h: host.ExtensionsHost) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.flatMap(
    Effect.serviceOption(host.ExtensionsHost),
    (h) =>
      Option.isSome(h) ? f(h.value) : Effect.succeed(HttpServerResponse.text("404 page not found", { status: 404 }))
  )

/**
 * The `Lambda-Extension-Identifier` header, or RAPID's refusal when it is missing or not a UUID
 * (checked before anything else of the request, on every call that names an extension).
 */
const identifierHeader = Effect.map(header("lambda-extension-identifier"), (id) => {
  if (id === undefined || id === "") {
    return forbidden("Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header")
  }
  if (!uuidPattern.test(id)) {
    return forbidden("Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier")
  }
  return id
})

/** The registered extension the `Lambda-Extension-Identifier` header names, or RAPID's refusal. */
const identified = (h: host.ExtensionsHost, unknownMessage: (id: string) => string) =>
  Effect.map(identifierHeader, (id) => {
    if (typeof id !== "string") return id
    const found = h.find(id.toLowerCase())
    return found ?? forbidden("Extension.UnknownExtensionIdentifier", unknownMessage(id))
  })

const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isServerResponse(u)

/** The register body: `{"events": [...]}`; RAPID refuses the deprecated `configurationKeys`. */
const parseEvents = (text: string): ReadonlyArray<unknown> | string => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return (error as Error).message
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return "the body must be a JSON object like {\"events\": [\"INVOKE\", \"SHUTDOWN\"]}"
  }
  const record = parsed as Record<string, unknown>
  if (Array.isArray(record.configurationKeys) && record.configurationKeys.length > 0) {
    return "configurationKeys are deprecated; use environment variables instead"
  }
  if (record.events === undefined || record.events === null) return []
  if (!Array.isArray(record.events)) return "events must be an array of \"INVOKE\" and \"SHUTDOWN\""
  return record.events
}

const register = withHost((h) =>
  Effect.gen(function*() {
    const name = yield* header("lambda-extension-name")
    if (name === undefined || name === "") return forbidden("Extension.InvalidExtensionName", "Empty extension name")
    const features = ((yield* header("lambda-extension-accept-feature")) ?? "").split(",").map((f) => f.trim())
    const read = yield* body.read(yield* incoming, protocol.maxPayloadSize).pipe(Effect.either)
    if (read._tag === "Left") return json(400, protocol.truncatedHttpRequest)
    const events = parseEvents(Buffer.from(read.right.bytes).toString("utf8"))
    if (typeof events === "string") return forbidden("InvalidRequestFormat", events)

    const sandbox = h.sandboxForRegistration()
    const external = sandbox.externals.get(name)
    for (const event of events) {
      if (!host.isEventType(event)) {
        return forbidden("Extension.InvalidEventType", `${String(event)}: ErrorInvalidEventType`)
      }
      // Internal extensions live in the runtime's process, which gets SIGTERM instead.
      if (external === undefined && event === "SHUTDOWN") {
        return forbidden("Extension.InvalidEventType", "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension")
      }
    }
    const subscribed = [...new Set(events as ReadonlyArray<host.EventType>)]
    if (external !== undefined) {
      if (external.extension !== undefined) {
        return stateTransitionFailed(external.extension.state, "Registered", name)
      }
    } else {
      if (!sandbox.registrationOpen || sandbox.ended) {
        return forbidden("Extension.RegistrationClosed", "Extension registration closed already")
      }
      if (sandbox.extensions.some((e) => e.name === name)) {
        return forbidden("Extension.InvalidExtensionState", "Extension with this name already registered")
      }
      // The external ones count from their start, registered or not.
      if (sandbox.extensions.filter((e) => !e.external).length + sandbox.externals.size >= host.maxExtensions) {
        return forbidden("Extension.TooManyExtensions", `Extension limit (${host.maxExtensions}) reached`)
      }
    }
    const extension: host.Extension = {
      id: host.newIdentifier(),
      name,
      external: external !== undefined,
      events: subscribed,
      state: "Registered",
      errorType: undefined,
      inbox: [],
      gone: false
    }
    if (external !== undefined) external.extension = extension
    h.add(sandbox, extension)
    const { config, env } = h.options
    const answer: Record<string, string> = {}
    // Go's struct order: accountId (when asked for) first.
    if (features.includes("accountId")) answer.accountId = protocol.accountId
    answer.functionName = config.functionName
    answer.functionVersion = protocol.functionVersion
    answer.handler = env()._HANDLER ?? ""
    return HttpServerResponse.unsafeJson(answer, {
      status: 200,
      headers: { "Lambda-Extension-Identifier": extension.id }
    })
  })
)

const next = withHost((h) =>
  Effect.gen(function*() {
    const found = yield* identified(h, (id) => `Unknown extension ${id}`)
    if (isResponse(found)) return found
    const { extension } = found
    if (extension.state !== "Registered" && extension.state !== "Running") {
      return stateTransitionFailed(extension.state, "Ready", extension.id)
    }
    extension.state = "Ready"
    h.notify()
    // Long poll: until an event is there for it (an extension subscribed to none waits for good).
    yield* h.waitUntil(() => extension.inbox.length > 0)
    const event = extension.inbox.shift()!
    extension.state = "Running"
    h.notify()
    return HttpServerResponse.unsafeJson(event, {
      status: 200,
      headers: { "Lambda-Extension-Event-Identifier": host.newIdentifier() }
    })
  })
)

const reportError = (operation: "init" | "exit") =>
  withHost((h) =>
    Effect.gen(function*() {
      const errorType = yield* header("lambda-extension-function-error-type")
      const id = yield* identifierHeader
      if (typeof id !== "string") return id
      if (errorType === undefined || errorType === "") {
        return forbidden("Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found")
      }
      const found = h.find(id.toLowerCase())
      if (found === undefined) {
        return forbidden("Extension.UnknownExtensionIdentifier", "Unknown Lambda-Extension-Identifier")
      }
      const { extension, sandbox } = found
      // The body (errorMessage, stackTrace) is optional; Lambda keeps it for its logs.
      yield* body.read(yield* incoming, protocol.maxPayloadSize).pipe(Effect.ignore)
      if (operation === "init") {
        if (extension.state !== "Registered") return stateTransitionFailed(extension.state, "InitError", extension.id)
        extension.state = "InitError"
      } else {
        if (extension.state !== "Registered" && extension.state !== "Ready" && extension.state !== "Running") {
          return stateTransitionFailed(extension.state, "Exited", extension.id)
        }
        extension.state = "ExitError"
      }
      extension.errorType = errorType
      if (!sandbox.initDone) {
        const type = operation === "init" ? "Extension.InitError" : "Extension.ExitError"
        yield* h.fail(
          sandbox,
          model.platformError(type, `Extension ${extension.name} failed: ${errorType}`, { reportStatus: "error" })
        )
      } else {
        h.notify()
      }
      return json(202, protocol.accepted)
    })
  )

/** The Extensions API routes; `next` is a long poll, the reports run to their end. */
export const router = HttpRouter.empty.pipe(
  HttpRouter.all(`${prefix}/register`, method("POST", register), { uninterruptible: true }),
  HttpRouter.all(`${prefix}/event/next`, method("GET", next)),
  HttpRouter.all(`${prefix}/init/error`, method("POST", reportError("init")), { uninterruptible: true }),
  HttpRouter.all(`${prefix}/exit/error`, method("POST", reportError("exit")), { uninterruptible: true })
)
