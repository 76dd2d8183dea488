// Runs before every test file (bunfig.toml). Tests build their own config; nothing reads the
// developer's .env or data folder.
process.env.NODE_ENV = 'test'
