// AWS's heap sizing, as the managed Node.js runtime's bootstrap (/var/runtime/bootstrap) passes it
// to node and as effect-lambda's own bootstrap computes it: young generation a tenth of the
// function's memory (two semi-spaces), old space the rest. For 128 MB:
// --max-semi-space-size=6 --max-old-space-size=116. Every client of the bench runs with these.

/** The function memory size every client is told (AWS_LAMBDA_FUNCTION_MEMORY_SIZE). */
export const MEMORY_MB = Number(process.env.BENCH_MEMORY_MB ?? 128)

/** node flags for a function of `mb` MB, exactly as AWS's bootstrap computes them (integer shell arithmetic). */
export const heapFlags = (mb = MEMORY_MB) => {
  const newSpace = Math.floor(mb / 10)
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${mb - newSpace}`]
}
