/**
 * Peak memory of a process tree, from Linux's /proc. `VmHWM` is the peak resident set of a
 * process over its life, which is what Lambda's "Max Memory Used" reports for an execution
 * environment; it is summed over the bootstrap and its descendants because a bootstrap shell
 * script may start node without `exec`.
 *
 * @internal
 */
import * as Fs from "node:fs"

/**
 * Whether a live (not zombie) process is left in the process group. Without /proc, falls back to
 * kill(-pgid, 0), which also counts zombies.
 */
export const groupAlive = (pgid: number): boolean => {
  let entries: Array<string>
  try {
    entries = Fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))
  } catch {
    try {
      process.kill(-pgid, 0)
      return true
    } catch {
      return false
    }
  }
  for (const entry of entries) {
    try {
      const stat = Fs.readFileSync(`/proc/${entry}/stat`, "utf8")
      // fields after "(comm)", which may itself hold spaces and parentheses
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true
    } catch {
      // exited meanwhile
    }
  }
  return false
}

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
