import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { resolve } from 'node:path'
import { describeSettings, SETTINGS } from '../src/config.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* Every setting is documented twice, for people who don't read the source: `kiosk --help` and the README. */

const readme = await Bun.file(resolve(import.meta.dir, '../README.md')).text()
const readmeSettings = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1])

describe('settings documentation', () => {
  test('the README settings table lists every setting', () => {
    expect([...readmeSettings].sort()).toEqual(Object.keys(SETTINGS).sort())
  })

  test('kiosk --help names the login limits with their defaults', () => {
    const help = describeSettings()
    expect(help).toContain('LOGIN_MAX_FAILURES_PER_ACCOUNT  failed logins per account from addresses it has not logged in from, in LOGIN_WINDOW (default 100)')
    expect(help).toContain('LOGIN_KNOWN_ADDRESS_TTL         how long a successful login exempts its address from the per-account limit (default 30d)')
  })
})
