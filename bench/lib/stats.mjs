// Small, dependency-free statistics for benchmark figures.

/** Value at quantile q (0..1) of an already sorted numeric array, nearest-rank, as latency tools report. */
export function quantileSorted(sorted, q) {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil(q * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function median(values) {
  const xs = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (xs.length === 0) return NaN
  const mid = xs.length >> 1
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2
}

/** min / median / max of the finite values, plus how many there were; the raw values are kept for latest.json. */
export function summary(values) {
  const xs = values.filter((x) => Number.isFinite(x))
  if (xs.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN, values }
  return { n: xs.length, min: Math.min(...xs), median: median(xs), max: Math.max(...xs), values }
}

/**
 * Ratio of a client to a reference client, paired by round: each round ran both back to back, so
 * the per-round ratio cancels most of the machine's drift; the median of those is reported.
 */
export function pairedRatio(values, refValues) {
  const ratios = []
  for (let i = 0; i < Math.min(values.length, refValues.length); i++) {
    if (Number.isFinite(values[i]) && Number.isFinite(refValues[i]) && refValues[i] !== 0) {
      ratios.push(values[i] / refValues[i])
    }
  }
  return summary(ratios)
}
