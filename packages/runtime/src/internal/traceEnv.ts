/**
 * `_X_AMZN_TRACE_ID`, kept in JS memory instead of the C environment.
 *
 * Assigning `process.env.X` calls glibc's `setenv`, which never frees a value it replaced: with a
 * distinct trace id per invocation that is ~170 bytes of RSS per invocation for the life of the
 * process (16 MiB per 100,000, measured; AWS's own client has the same growth). So `process.env`
 * becomes a Proxy of itself that holds this one variable in JS: X-Ray / OpenTelemetry SDKs read
 * it as before, `{ ...process.env }` and child processes that inherit `process.env` see it, and
 * every other variable goes to the real environment. Only native code calling `getenv` misses it.
 *
 * @internal
 */

const KEY = "_X_AMZN_TRACE_ID"
const INSTALLED = Symbol.for("@effect-lambda/runtime/traceEnv")

interface TraceEnv {
  value: string | undefined
}

const install = (): TraceEnv => {
  const existing = (process.env as any)[INSTALLED] as TraceEnv | undefined
  if (existing !== undefined) return existing
  const real = process.env
  const state: TraceEnv = { value: real[KEY] }
  process.env = new Proxy(real, {
    get: (target, key) => (key === KEY ? state.value : key === INSTALLED ? state : Reflect.get(target, key)),
    set: (target, key, value) => {
      if (key !== KEY) return Reflect.set(target, key, value)
      state.value = String(value)
      return true
    },
    has: (target, key) => (key === KEY ? state.value !== undefined : Reflect.has(target, key)),
    deleteProperty: (target, key) => {
      if (key !== KEY) return Reflect.deleteProperty(target, key)
      state.value = undefined
      return true
    },
    ownKeys: (target) => {
      const keys = Reflect.ownKeys(target).filter((key) => key !== KEY)
      return state.value === undefined ? keys : [...keys, KEY]
    },
    getOwnPropertyDescriptor: (target, key) =>
      key === KEY
        ? state.value === undefined
          ? undefined
          : { value: state.value, writable: true, enumerable: true, configurable: true }
        : Reflect.getOwnPropertyDescriptor(target, key)
  })
  return state
}

/**
 * Returns the function that sets (or, with `undefined`, removes) `_X_AMZN_TRACE_ID`.
 *
 * @internal
 */
export const setter = (): (traceId: string | undefined) => void => {
  const state = install()
  return (traceId) => {
    state.value = traceId
  }
}
