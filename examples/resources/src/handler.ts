/**
 * Answers every event with what it used: the pool's acquisition number (always 1: the pool is
 * built once, at init) and how many times the pool has served an invocation.
 */
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import { Pool } from "./Pool.js"

export const handler = Handler.make({
  handle: () =>
    Effect.gen(function*() {
      const pool = yield* Pool
      const uses = yield* pool.use
      return { acquisitions: pool.acquisition, uses }
    })
})
