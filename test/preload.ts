import { setDefaultTimeout } from 'bun:test'

// Runs before every test file (bunfig.toml). Tests build their own config; nothing reads the
// developer's .env or data folder.
process.env.NODE_ENV = 'test'

// End-to-end tests start processes on a 2-core machine; give every test room.
setDefaultTimeout(30_000)
