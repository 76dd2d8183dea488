import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { problem, useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API6: unrestricted access to sensitive business flows: password guessing and sign-up floods.
const live = useLive({ LOGIN_MAX_FAILURES: '3', REGISTER_MAX_PER_ADDRESS: '3' })

const login = (username: string, password: string) =>
  live.call('/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  })

describe('password guessing', () => {
  test('is cut off per account with 429 and Retry-After, even for the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await login(live.bob.email, `wrong-${i}-password`)).status).toBe(400)
    const limited = await login(live.bob.email, live.bob.password)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('sign-up floods', () => {
  test('are cut off per address with 429', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const response = await live.call('/auth/register', {
        method: 'POST',
        json: { email: `flood${i}@e2e.test`, password: 'long enough password', name: 'Flood' },
      })
      statuses.push(response.status)
    }
    expect(statuses.slice(0, 3)).toEqual([201, 201, 201])
    expect(statuses.slice(3)).toEqual([429, 429])
  })
})

test('a rate-limited answer is a problem document', async () => {
  const response = await login(live.bob.email, 'still-wrong-password')
  if (response.status === 429 && response.headers.get('content-type')?.includes('problem')) await problem(response, 429)
  else expect(response.status).toBe(429)
})
