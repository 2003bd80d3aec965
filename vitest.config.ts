import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "examples/*"],
    // Vitest's default is one worker per core less one: a single test file at a time on a 2-core
    // machine. Most files here spend their time waiting on child processes, sockets and timers
    // rather than computing, so several at once overlap those waits (`--maxWorkers` overrides).
    maxWorkers: 4,
    minWorkers: 1
  }
})
