/** @internal */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as path from "node:path"

const ignoredDir = (name: string): boolean => name === "node_modules" || name.startsWith(".")

// Editors' scratch files: swap files and backups (`.main.ts.swp`, `main.ts~`, emacs' `.#main.ts`)
// and vim's write-permission probe `4913`. Saving still shows up as an event on the real file
// name (written in place or renamed over), so skipping these only drops noise.
const scratch = (name: string): boolean => name.startsWith(".") || name.endsWith("~") || /^\d+$/.test(name)

const directories = (root: string): Array<string> => {
  const out = [root]
  for (let i = 0; i < out.length; i++) {
    let entries: Array<fs.Dirent>
    try {
      entries = fs.readdirSync(out[i]!, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !ignoredDir(entry.name)) out.push(path.join(out[i]!, entry.name))
    }
  }
  return out
}

/**
 * Paths (relative to `root`) of files that change anywhere under `root`.
 *
 * Node 20's `fs.watch(dir, { recursive: true })` on Linux watches each file, and loses a file
 * for good once an editor saves it by renaming a temp file over it (as `sed -i` and vim do);
 * so this watches every directory non-recursively (inotify on a directory survives that) and
 * rescans for new subdirectories when entries appear or vanish.
 *
 * @internal
 */
export const watchTree = (root: string): Stream.Stream<string> =>
  Stream.asyncScoped<string>((emit) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const watchers = new Map<string, fs.FSWatcher>()
        const sync = () => {
          const wanted = new Set(directories(root))
          for (const [dir, watcher] of watchers) {
            if (!wanted.has(dir)) {
              watcher.close()
              watchers.delete(dir)
            }
          }
          for (const dir of wanted) {
            if (watchers.has(dir)) continue
            try {
              const watcher = fs.watch(dir, (event, file) => {
                if (file === null) return
                if (event === "rename") sync()
                if (file === "node_modules" || scratch(file)) return
                void emit.single(path.relative(root, path.join(dir, file)))
              })
              // A directory removed under us: the rescan on its parent's rename drops it.
              watcher.on("error", () => {
                watcher.close()
                watchers.delete(dir)
              })
              watchers.set(dir, watcher)
            } catch {
              // vanished between the scan and the watch
            }
          }
        }
        sync()
        return watchers
      }),
      (watchers) =>
        Effect.sync(() => {
          for (const watcher of watchers.values()) watcher.close()
        })
    )
  )
