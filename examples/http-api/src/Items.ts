/**
 * The items store: in memory, so it lives as long as the execution environment (a real function
 * would hold a database client here, built once at init by the layer).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

export class NewItem extends Schema.Class<NewItem>("NewItem")({
  name: Schema.NonEmptyTrimmedString,
  price: Schema.Number.pipe(Schema.nonNegative())
}) {}

export class Item extends Schema.Class<Item>("Item")({
  id: Schema.String,
  ...NewItem.fields
}) {}

export class Items extends Context.Tag("example/Items")<Items, {
  readonly add: (item: NewItem) => Effect.Effect<Item>
  readonly get: (id: string) => Effect.Effect<Option.Option<Item>>
}>() {}

export const layer = Layer.effect(
  Items,
  Effect.gen(function*() {
    const store = yield* Ref.make(new Map<string, Item>())
    let next = 0
    return Items.of({
      add: (item) =>
        Effect.suspend(() => {
          const created = new Item({ id: `item-${++next}`, ...item })
          return Effect.as(Ref.update(store, (map) => new Map(map).set(created.id, created)), created)
        }),
      get: (id) => Effect.map(Ref.get(store), (map) => Option.fromNullable(map.get(id)))
    })
  })
)
