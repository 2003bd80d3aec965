import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "examples/*"],
    // Vitest's default is one worker per core less one: a single test file at a time on a 2-core
    // machine. Most files here spend their time waiting on child processes, sockets and timers
    // rather than computing, so two at once overlap those waits. More than the cores makes the
    // tests that bound a real process's exit or flush time fail on a loaded machine (measured
    // with 4 on a shared 2-core box); `--maxWorkers` overrides.
    maxWorkers: 2,
    minWorkers: 1
  }
})
