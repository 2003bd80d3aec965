/**
 * What the error classes of the Runtime API client (`RuntimeApiError`) and of the Extensions API
 * client (`ExtensionsApiError`) share: the fields of an error answer, the fields of a failed
 * exchange, and the base class that puts the API's `TypeId` on every instance, so that each API's
 * refinement knows its own errors by identity, never by a `_tag` a user's error may also have.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/** An answer the API gave with an error status. */
export const answerFields = {
  /** Which call failed (`next`, `response`, `register`, `event/next`, ...). */
  operation: Schema.String,
  /** `errorType` of the JSON body the API answered with, when it had one. */
  errorType: Schema.optional(Schema.String),
  /** `errorMessage` of the JSON body the API answered with, or a description. */
  message: Schema.String
}

/** The HTTP exchange itself failed: no answer to read. */
export const transportFields = {
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}

/**
 * `Schema.TaggedError` whose instances carry `typeId` (on the class's prototype, as
 * `@effect/platform`'s `TypeIdError` puts it): `TaggedError(TypeId)<Self>()(tag, fields)`.
 */
export const TaggedError =
  <Id extends symbol>(typeId: Id) =>
  <Self = never>() =>
  <Tag extends string, Fields extends Schema.Struct.Fields>(tag: Tag, fields: Fields) => {
    const Base = Schema.TaggedError<Self>()(tag, fields) as Schema.TaggedErrorClass<
      Self,
      Tag,
      { readonly _tag: Schema.tag<Tag> } & Fields
    >
    Object.defineProperty(Base.prototype, typeId, { value: typeId })
    // A mixin constructor type: the class extending this gets `[typeId]` on its instances.
    return Base as typeof Base & (new(...args: Array<any>) => Readonly<Record<Id, Id>>)
  }
