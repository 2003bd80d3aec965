// Preloaded into a client (NODE_OPTIONS=--import=<this file>) for the allocation/GC phase of
// `pnpm bench`: the same probe for every client, so their figures compare. The server sends
// SIGUSR2 at the start and at the end of the measured window; between the two, v8.GCProfiler
// records every GC with the heap's used size before and after it, which gives
//   allocated bytes = used(end) - used(start) + sum over GCs of (used before - used after)
// (a GC moves or frees bytes, only allocation adds them) and the count of young-generation GCs.
// At the second signal the figures go to BENCH_GC_OUT as JSON. Nothing else is touched.
import { writeFileSync } from "node:fs"
import v8 from "node:v8"

const out = process.env.BENCH_GC_OUT
let profiler
let usedAtStart = 0

const onSignal = () => {
  if (profiler === undefined) {
    usedAtStart = v8.getHeapStatistics().used_heap_size
    profiler = new v8.GCProfiler()
    profiler.start()
    return
  }
  const { statistics } = profiler.stop()
  const usedAtEnd = v8.getHeapStatistics().used_heap_size
  let freed = 0
  const counts = {}
  for (const gc of statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize
    counts[gc.gcType] = (counts[gc.gcType] ?? 0) + 1
  }
  process.off("SIGUSR2", onSignal)
  writeFileSync(out, JSON.stringify({ allocatedBytes: usedAtEnd - usedAtStart + freed, counts }))
}

if (out) process.on("SIGUSR2", onSignal)
