// A typed HTTP API (@effect/platform HttpApi: schemas for paths and payloads, declared statuses
// and errors, an OpenAPI document) run as a Lambda function behind an HTTP API (payload 2.0).
import { HttpHandler } from "@effect-lambda/middleware"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
export class User extends Schema.Class<User>("User")({ id: Schema.NumberFromString, name: Schema.NonEmptyString }) {}

class UsersApi extends HttpApiGroup.make("users")
  .add(
    HttpApiEndpoint.get("get", "/users/:id")
      .setPath(Schema.Struct({ id: Schema.NumberFromString }))
      .addSuccess(User)
      .addError(HttpApiError.NotFound)
  )
  .add(
    HttpApiEndpoint.post("create", "/users")
      .setPayload(Schema.Struct({ name: Schema.NonEmptyString }))
      .addSuccess(User, { status: 201 })
  )
{}

export class Api extends HttpApi.make("api").add(UsersApi) {}

// A service of the function's layer, used by the API's handlers.
export class Directory extends Context.Tag("Directory")<Directory, { readonly names: Map<number, string> }>() {}

const UsersLive = HttpApiBuilder.group(Api, "users", (handlers) =>
  handlers
    .handle("get", ({ path }) =>
      Effect.flatMap(Directory, ({ names }) => {
        const name = names.get(path.id)
        return name === undefined
          ? Effect.fail(new HttpApiError.NotFound())
          : Effect.succeed(new User({ id: path.id, name }))
      }))
    .handle("create", ({ payload }) =>
      Effect.map(Directory, ({ names }) => {
        const id = names.size + 1
        names.set(id, payload.name)
        return new User({ id, name: payload.name })
      })))

const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(UsersLive))
export const handler = HttpHandler.fromHttpApi(ApiLive, { event: "apiGatewayV2" })
export const DirectoryLive = Layer.sync(Directory, () => ({ names: new Map([[1, "Ada"]]) }))
