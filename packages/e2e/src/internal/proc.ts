/**
 * What Linux's /proc says about the runtime process: the emulator does not expose its child, so
 * it is found as the child of this process running the conformance bundle.
 *
 * @internal
 */
import * as Fs from "node:fs"

const read = (path: string): string | undefined => {
  try {
    return Fs.readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

/** The parent pid from /proc/<pid>/stat (field 4; the command name before it may hold spaces). */
const parentOf = (pid: number): number | undefined => {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return Number(fields[1])
}

/** Pids of the children of `parent` whose command line contains `marker`. */
export const childrenRunning = (parent: number, marker: string): ReadonlyArray<number> => {
  let entries: Array<string>
  try {
    entries = Fs.readdirSync("/proc")
  } catch {
    return []
  }
  const found: Array<number> = []
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue
    const pid = Number(entry)
    if (parentOf(pid) !== parent) continue
    const cmdline = read(`/proc/${pid}/cmdline`)
    if (cmdline !== undefined && cmdline.includes(marker)) found.push(pid)
  }
  return found
}

/** Resident set size in KiB (`VmRSS` of /proc/<pid>/status), undefined once the process is gone. */
export const rssKb = (pid: number): number | undefined => {
  const status = read(`/proc/${pid}/status`)
  const match = status === undefined ? null : /^VmRSS:\s+([0-9]+) kB$/m.exec(status)
  return match === null ? undefined : Number(match[1])
}

/** Whether a process with that pid exists and is not a zombie. */
export const isAlive = (pid: number): boolean => {
  const stat = read(`/proc/${pid}/stat`)
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
}
