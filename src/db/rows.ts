import type { Column, Table } from 'drizzle-orm'

/** A column's value as bun:sqlite hands it back: booleans are the 0/1 integers SQLite stores. */
type RawValue<C extends Column> = (C['_']['data'] extends boolean ? number : C['_']['data']) | (C['_']['notNull'] extends true ? never : null)

/**
 * A row of `T` as a raw bun:sqlite statement returns it (`SELECT *` column names, SQLite values),
 * typed from the schema so a column changed in schema.ts changes every statement's row type.
 */
export type RawRow<T extends Table> = {
  [K in keyof T['_']['columns'] as T['_']['columns'][K]['_']['name']]: RawValue<T['_']['columns'][K]>
}
