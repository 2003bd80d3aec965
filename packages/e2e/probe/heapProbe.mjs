// Preloaded into the runtime by the soak (NODE_OPTIONS=--import ...): on SIGUSR2, a full GC, then
// the live heap and the RSS on stderr. A leak shows as a live heap that keeps rising; a heap that
// V8 merely grows lazily shows as RSS rising while the live heap stays flat.
import * as v8 from "node:v8"
import * as vm from "node:vm"

v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc")

process.on("SIGUSR2", () => {
  gc()
  const usage = process.memoryUsage()
  const kb = (n) => Math.round(n / 1024)
  // heapUsed first (what the soak reads), then where the rest of the RSS may be
  process.stderr.write(
    `heap-probe ${kb(usage.heapUsed)} ${kb(usage.rss)} heapTotal=${kb(usage.heapTotal)} external=${
      kb(usage.external)
    } arrayBuffers=${kb(usage.arrayBuffers)}\n`
  )
})
