import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    // A fresh module graph per file costs ~0.5 s of CPU (effect, @effect/vitest, platform) times
    // ~85 files: most of `pnpm test`'s CPU on a 2-core box went to re-importing them. These
    // files share nothing through module state; a package whose sources keep process-wide state
    // read at import (the runtime) turns isolation back on in its own config.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
