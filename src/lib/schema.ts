import { Type } from '@sinclair/typebox'
import { t, type TSchema } from 'elysia'

/*
 * Shared TypeBox building blocks for module models.
 */

type TextOptions = { description?: string; example?: string }

/**
 * A string of `min`..`max` characters counted as Unicode code points, as JSON Schema counts them.
 * TypeBox's own min/maxLength count UTF-16 units (an emoji is 2), so the length rule is a
 * pattern that matches a surrogate pair as one character; it means the same to a JSON Schema
 * validator with the `u` flag, where each code point is one `character`.
 */
function codePointString(min: number, max: number, character: string, rule: string, options: TextOptions) {
  return t.String({
    pattern: `^(?:[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|${character}){${min},${max}}$`,
    error: `must be ${min === max ? min : `${min} to ${max}`} characters long${rule ? `, with ${rule}` : ''}`,
    description: `${options.description ? `${options.description}; ` : ''}${min}..${max} characters (code points)${rule ? `, ${rule}` : ''}`,
    ...(options.example ? { examples: [options.example] } : {}),
  })
}

/** Any `min`..`max` code points. */
export const chars = (min: number, max: number, options: TextOptions = {}) => codePointString(min, max, '[\\s\\S]', '', options)

/**
 * `chars` for free text that is stored and shown (a name, a note), without NUL (U+0000):
 * PostgreSQL's text can't hold one and SQLite's can, so the schema refuses it on both (422).
 */
export const text = (min: number, max: number, options: TextOptions = {}) => codePointString(min, max, '[^\\u0000]', 'no NUL (U+0000)', options)

/** Length in code points, for rules a schema can't express. */
export const codePoints = (value: string) => [...value].length

/** An opaque id (UUIDv7). Anything else is simply not found, so no pattern is enforced on path ids. */
export const Id = t.String({ description: 'Opaque id (UUIDv7)', examples: ['0192f4c3-7b1e-7cc2-9a51-3f9f0b6a2d41'] })

export const Timestamp = t.String({ format: 'date-time', description: 'ISO 8601 UTC' })

/** `?limit=&cursor=` as every list takes them. */
export const PageQuery = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100 (default 20)' })),
  cursor: t.Optional(t.String({ maxLength: 512, description: 'Opaque cursor from the previous page\'s next_cursor' })),
}

/**
 * A JSON integer, for bodies and responses: TypeBox's own `Integer`, which takes numbers without a
 * fraction only and documents itself as plain `type: integer`. Elysia's `t.Integer` (like
 * `t.Numeric`) also takes numeric strings ("100") and documents `anyOf: [string, integer]`: right
 * for path and query parameters, which are text, and only there.
 */
export const JsonInt = (options: { minimum?: number; maximum?: number; error?: string; description?: string; examples?: number[] } = {}) =>
  Type.Integer(options)

/** `{ items, next_cursor }` for a list of `item`, named `title` in the OpenAPI document. */
export const Page = <T extends TSchema>(item: T, title: string, description: string) =>
  t.Object(
    {
      items: t.Array(item),
      next_cursor: t.Union([t.String(), t.Null()], { description: 'Pass as ?cursor= for the next page; null on the last page' }),
    },
    { title, description, additionalProperties: false },
  )
