// Runs before every test file (bunfig.toml). Tests build their own config; nothing reads the
// developer's .env or data folder.
process.env.NODE_ENV = 'test'

// Timeouts: setDefaultTimeout here reaches only the first test file Bun loads (measured: three files
// of one 6 s test each, the second and third timed out at 5 s), so every test file sets its own 30 s,
// room for tests that start processes on a 2-core machine.

