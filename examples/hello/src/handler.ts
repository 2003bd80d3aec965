/**
 * The hello function: `{ "name": string }` in, `{ "message": "hello <name>" }` out.
 */
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class Greeting extends Schema.Class<Greeting>("Greeting")({ name: Schema.String }) {}

export const handler = Handler.make({
  event: Greeting,
  handle: (event) => Effect.succeed({ message: `hello ${event.name}` })
})
