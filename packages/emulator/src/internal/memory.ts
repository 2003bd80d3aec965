/**
 * Peak memory of a process tree, from Linux's /proc. `VmHWM` is the peak resident set of a
 * process over its life, which is what Lambda's "Max Memory Used" reports for an execution
 * environment; it is summed over the bootstrap and its descendants because a bootstrap shell
 * script may start node without `exec`.
 *
 * @internal
 */
import * as Fs from "node:fs"

const statusField = (pid: number, field: string): number | undefined => {
  try {
    const status = Fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

const childrenOf = (pid: number): Array<number> => {
  try {
    return Fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      Fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(/\s+/).filter((s) => s !== "").map(Number)
    )
  } catch {
    return []
  }
}

/** Sum of VmHWM (VmRSS where VmHWM is missing) in kB over the tree, or undefined without /proc. */
export const peakKb = (pid: number): number | undefined => {
  let total: number | undefined = undefined
  const seen = new Set<number>()
  const stack = [pid]
  while (stack.length > 0) {
    const p = stack.pop()!
    if (seen.has(p)) continue
    seen.add(p)
    const kb = statusField(p, "VmHWM") ?? statusField(p, "VmRSS")
    if (kb !== undefined) total = (total ?? 0) + kb
    stack.push(...childrenOf(p))
  }
  return total
}
