import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SignJWT } from 'jose'
import { createHs256Verifier, type VerifyClock } from '../../src/lib/hs256.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const SECRET = 'unit-test-secret-that-is-at-least-32-bytes'
const key = new TextEncoder().encode(SECRET)
const { verify } = createHs256Verifier(SECRET)

const NOW = new Date('2026-06-01T12:00:00.000Z')
const nowSeconds = NOW.getTime() / 1000
const clock: VerifyClock = { now: NOW, wallNowMs: NOW.getTime(), iatSkewMs: 60_000 }
const claims = { sub: 'user-1', role: 'user', ver: 0, sid: 'family-1', jti: 'token-1' }

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const hmac = (input: string, secret = SECRET) => new Bun.CryptoHasher('sha256', secret).update(input).digest('base64url')
/** A token built by hand: any header and payload, signed with HS256 over exactly those segments. */
function handMade(header: unknown, payload: unknown, secret = SECRET) {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${hmac(input, secret)}`
}
const failure = (token: string, at: VerifyClock = clock) => {
  const result = verify(token, at)
  return result.ok ? 'ok' : result.failure
}

/** What Kiosk itself mints (@elysiajs/jwt is jose's SignJWT with this header). */
const minted = (extra: Record<string, unknown> = {}, iat = nowSeconds, exp = nowSeconds + 900) =>
  new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(exp).sign(key)

describe('HS256 access-token verification', () => {
  test('accepts a token signed like Kiosk signs them, and returns its claims', async () => {
    const result = verify(await minted(), clock)
    expect(result).toEqual({ ok: true, claims: { ...claims, iat: nowSeconds, exp: nowSeconds + 900 } })
  })

  test('a token verified again is judged against the clock again, and its payload must still carry its signature', async () => {
    const token = await minted({}, nowSeconds, nowSeconds + 60)
    expect(failure(token)).toBe('ok')
    expect(failure(token)).toBe('ok')
    const later = new Date(NOW.getTime() + 61_000)
    expect(failure(token, { now: later, wallNowMs: later.getTime(), iatSkewMs: 60_000 })).toBe('expired')
    // The same (already decoded) payload under another signature is still refused.
    const [header, payload] = token.split('.')
    expect(failure(`${header}.${payload}.${hmac(`${header}.${payload}`, 'another-secret-that-is-at-least-32-bytes')}`)).toBe('signature')
    const result = verify(token, clock)
    expect(result.ok && Object.isFrozen(result.claims)).toBe(true)
  })

  test('accepts a header without typ, and typ "JWT" in any case', () => {
    const payload = { ...claims, iat: nowSeconds, exp: nowSeconds + 60 }
    expect(failure(handMade({ alg: 'HS256' }, payload))).toBe('ok')
    expect(failure(handMade({ alg: 'HS256', typ: 'jwt' }, payload))).toBe('ok')
  })

  test('refuses another algorithm, even signed with the right secret', async () => {
    const hs384 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS384' }).setIssuedAt(nowSeconds).setExpirationTime(nowSeconds + 900).sign(key)
    expect(failure(hs384)).toBe('algorithm')
    // An HS256 signature under a header that names another algorithm is refused for the header.
    expect(failure(handMade({ alg: 'HS512', typ: 'JWT' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 60 }))).toBe('algorithm')
    expect(failure(handMade({ alg: 'hs256' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 60 }))).toBe('algorithm')
    expect(failure(handMade({ typ: 'JWT' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 60 }))).toBe('algorithm')
  })

  test('refuses alg "none", with an empty or any signature', () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iat: nowSeconds, exp: nowSeconds + 60 })}`
    expect(failure(`${unsigned}.`)).toBe('malformed')
    expect(failure(`${unsigned}.${hmac(unsigned)}`)).toBe('algorithm')
    expect(failure(handMade({ alg: 'None' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 60 }))).toBe('algorithm')
  })

  test('refuses another typ, crit extensions and an unencoded payload (b64)', () => {
    const payload = { ...claims, iat: nowSeconds, exp: nowSeconds + 60 }
    expect(failure(handMade({ alg: 'HS256', typ: 'at+jwt' }, payload))).toBe('algorithm')
    expect(failure(handMade({ alg: 'HS256', typ: 1 }, payload))).toBe('algorithm')
    expect(failure(handMade({ alg: 'HS256', crit: ['exp'] }, payload))).toBe('algorithm')
    expect(failure(handMade({ alg: 'HS256', b64: false, crit: ['b64'] }, payload))).toBe('algorithm')
  })

  test('refuses a bad signature: another secret, another token, a stripped or shortened one', async () => {
    const token = await minted()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    expect(failure(handMade({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 900 }, 'another-secret-that-is-at-least-32-bytes'))).toBe('signature')
    const other = (await minted({ jti: 'token-2' })).split('.')[2]
    expect(failure(`${header}.${payload}.${other}`)).toBe('signature')
    expect(failure(`${header}.${payload}.`)).toBe('malformed')
    expect(failure(`${header}.${payload}.${signature.slice(0, -2)}`)).toBe('signature')
    expect(failure(`${header}.${payload}.${signature}AA`)).toBe('signature')
  })

  test('refuses a signature in a non-canonical encoding of the right bytes', async () => {
    const token = await minted()
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = token.at(-1)!
    // 32 bytes take 43 characters; the last one's 2 low bits are unused: the same bytes, another string.
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1]
    expect(Buffer.from(twin.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'))
    expect(failure(twin)).toBe('signature')
  })

  test('refuses a tampered payload (role edited to admin, signature kept)', async () => {
    const [header, payload, signature] = (await minted()).split('.') as [string, string, string]
    const edited = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' }
    expect(failure(`${header}.${b64(edited)}.${signature}`)).toBe('signature')
    // The header is signed too.
    expect(failure(`${b64({ alg: 'HS256' })}.${payload}.${signature}`)).toBe('signature')
  })

  test('refuses an expired token: exp now or earlier (seconds, as jose compares them)', async () => {
    expect(failure(await minted({}, nowSeconds - 900, nowSeconds))).toBe('expired')
    expect(failure(await minted({}, nowSeconds - 900, nowSeconds - 1))).toBe('expired')
    expect(failure(await minted({}, nowSeconds - 900, nowSeconds + 1))).toBe('ok')
    // Within the last second before exp: still valid, as the clock's second is what counts.
    expect(failure(await minted({}, nowSeconds - 900, nowSeconds + 1), { ...clock, now: new Date(NOW.getTime() + 999) })).toBe('ok')
  })

  test('refuses a token before its nbf', () => {
    const at = (nbf: number) => handMade({ alg: 'HS256' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 900, nbf })
    expect(failure(at(nowSeconds + 1))).toBe('not_yet_valid')
    expect(failure(at(nowSeconds))).toBe('ok')
    expect(failure(handMade({ alg: 'HS256' }, { ...claims, iat: nowSeconds, exp: nowSeconds + 900, nbf: 'soon' }))).toBe('claims')
  })

  test('refuses an iat in the future beyond the skew, judged by the wall clock', async () => {
    expect(failure(await minted({}, nowSeconds + 61, nowSeconds + 900))).toBe('issued_in_future')
    expect(failure(await minted({}, nowSeconds + 60, nowSeconds + 900))).toBe('ok')
    expect(failure(await minted({}, nowSeconds + 1, nowSeconds + 900), { ...clock, iatSkewMs: 0 })).toBe('issued_in_future')
    // The wall clock decides iat: a context clock that is ahead does not excuse it ...
    expect(failure(await minted({}, nowSeconds + 3600, nowSeconds + 7200), { ...clock, now: new Date(NOW.getTime() + 3_600_000) })).toBe('issued_in_future')
    // ... while exp and nbf are judged by the context's clock.
    expect(failure(await minted({}, nowSeconds - 2000, nowSeconds - 1000), { ...clock, now: new Date(NOW.getTime() - 1_500_000) })).toBe('ok')
  })

  test('refuses missing or mistyped registered claims', () => {
    const header = { alg: 'HS256' }
    const base = { ...claims, iat: nowSeconds, exp: nowSeconds + 900 }
    const without = (name: string) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== name))
    for (const name of ['exp', 'iat', 'sub', 'jti']) expect(failure(handMade(header, without(name)))).toBe('claims')
    expect(failure(handMade(header, { ...base, exp: String(nowSeconds + 900) }))).toBe('claims')
    expect(failure(handMade(header, { ...base, sub: 42 }))).toBe('claims')
    expect(failure(handMade(header, { ...base, exp: null }))).toBe('claims')
  })

  test('refuses malformed base64url and JSON', async () => {
    const [header, payload, signature] = (await minted()).split('.') as [string, string, string]
    const signed = (h: string, p: string) => `${h}.${p}.${hmac(`${h}.${p}`)}`
    expect(failure(`${header}=.${payload}.${signature}`)).toBe('malformed')
    expect(failure(`${header}.${payload.replace(/_/g, '/').replace(/-/g, '+')}+/.${signature}`)).toBe('malformed')
    expect(failure(`${header}.${payload}.${signature}=`)).toBe('malformed')
    expect(failure(`${header}.pay load.${signature}`)).toBe('malformed')
    expect(failure(`${header}.${payload}*.${signature}`)).toBe('malformed')
    // A segment of 1 mod 4 characters is no base64; a header or payload that is not a JSON object is refused.
    expect(failure(signed(header, 'A'.repeat(5)))).toBe('malformed')
    expect(failure(signed(b64('{"alg":"HS256"'), payload))).toBe('malformed')
    expect(failure(signed(header, b64('[1,2]')))).toBe('malformed')
    expect(failure(signed(header, b64('null')))).toBe('malformed')
    expect(failure(signed(header, b64('"text"')))).toBe('malformed')
  })

  test('refuses the wrong number of segments', async () => {
    const token = await minted()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    for (const bad of ['', '.', '..', header, `${header}.${payload}`, `${token}.`, `${token}.${signature}`, `.${payload}.${signature}`, `${header}..${signature}`]) {
      expect(failure(bad)).toBe('malformed')
    }
  })
})
