import { fileURLToPath } from "node:url"
import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The test kit depends on the runtime; a dev dependency back would be a workspace cycle, so
// the runtime's own tests reach its sources by path (as tsconfig.test.json's `paths` does).
export default mergeConfig(shared, {
  resolve: {
    alias: { "@effect-lambda/testing": fileURLToPath(new URL("../testing/src/index.ts", import.meta.url)) }
  },
  test: { name: "@effect-lambda/runtime" }
})
