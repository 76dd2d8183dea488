/**
 * What one access-token verification costs: @elysiajs/jwt's `verify` (jose, async, what Kiosk used
 * before) against src/lib/hs256.ts (synchronous HMAC with Bun.CryptoHasher, constant-time compare),
 * on the same token, as wall-clock µs per verification, best of several rounds. Not a test.
 *
 *   bun bench/hs256.ts
 */
import { jwt as jwtPlugin } from '@elysiajs/jwt'
import { createHs256Verifier } from '../src/lib/hs256.ts'

const secret = 'bench-secret-that-is-at-least-32-bytes!'
// Kiosk's signer's very options (src/context.ts), with jose's verify as well.
const jwt = jwtPlugin({ name: 'jwt', secret, alg: 'HS256' }).decorator.jwt
const hs256 = createHs256Verifier(secret)
const now = Math.floor(Date.now() / 1000)
const token = await jwt.sign({ sub: Bun.randomUUIDv7(), role: 'user', ver: 0, sid: Bun.randomUUIDv7(), jti: Bun.randomUUIDv7(), exp: now + 900 })

const N = 20_000
async function jose() {
  const started = performance.now()
  for (let i = 0; i < N; i++) {
    if (!(await jwt.verify(token, { algorithms: ['HS256'], currentDate: new Date(), requiredClaims: ['sub', 'exp', 'iat', 'jti'] }))) throw new Error('refused')
  }
  return ((performance.now() - started) * 1000) / N
}
function sync() {
  const started = performance.now()
  for (let i = 0; i < N; i++) {
    if (!hs256.verify(token, { now: new Date(), wallNowMs: Date.now(), iatSkewMs: 60_000 }).ok) throw new Error('refused')
  }
  return ((performance.now() - started) * 1000) / N
}

let bestJose = Infinity
let bestSync = Infinity
for (let round = 0; round < 6; round++) {
  bestJose = Math.min(bestJose, await jose())
  bestSync = Math.min(bestSync, sync())
}
console.log(`µs per verification (best of 6 rounds of ${N}): jose ${bestJose.toFixed(1)}, hs256 ${bestSync.toFixed(1)} (${(bestJose / bestSync).toFixed(0)}× less)`)
