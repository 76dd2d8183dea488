/*
 * The PostgreSQL side of Kiosk (postgres.js, drizzle's PostgreSQL drivers and schema, the
 * PostgreSQL stores), evaluated the first time a process needs it: loading it cost ~15-20 ms of
 * every start-up (bench/coldstart.ts), and the SQLite default never uses it. `require` keeps the
 * callers synchronous; the bundler still compiles these modules into the executable.
 */
export const postgresClient = () => require('./client.ts') as typeof import('./client.ts')
export const postgresMigrations = () => require('./migrate.ts') as typeof import('./migrate.ts')
export const postgresDemoStore = () => require('./demo-store.ts') as typeof import('./demo-store.ts')
export const postgresStores = () => require('../../stores.pg.ts') as typeof import('../../stores.pg.ts')
