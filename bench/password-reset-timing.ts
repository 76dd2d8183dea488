/**
 * Does POST /auth/password-reset take the same time for an unknown email as for a real account?
 * In process (app.handle, no network noise): N requests alternating between an existing active
 * account and unknown addresses, the clock moved an hour between requests so the rate limits
 * never answer first. Prints the median and p90 of each in microseconds as JSON.
 * Usage: bun bench/password-reset-timing.ts [N]
 */
import { createTestApp, createUser } from '../test/helpers.ts'

const n = Number(process.argv[2] ?? 400)
// Mail is queued, never sent (no worker runs), so the SMTP server need not exist.
const t = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:9', PUBLIC_URL: 'https://shop.example' })
const user = await createUser(t)
const post = (email: string) => t.request('/auth/password-reset', { method: 'POST', json: { email } })
const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] }
for (let i = 0; i < n + 40; i++) {
  const kind = i % 2 === 0 ? 'known' : 'unknown'
  t.clock.advance(3_600_000)
  const started = Bun.nanoseconds()
  const response = await post(kind === 'known' ? user.email : `nobody${i}@example.com`)
  const elapsed = (Bun.nanoseconds() - started) / 1000
  if (response.status !== 202) throw new Error(`expected 202, got ${response.status}`)
  if (i >= 40) times[kind].push(elapsed) // the first 40 warm up
}
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)]!
const summary = (values: number[]) => ({ median_us: Math.round(quantile(values, 0.5)), p90_us: Math.round(quantile(values, 0.9)) })
console.log(JSON.stringify({ requests: n, known: summary(times.known), unknown: summary(times.unknown) }))
t.close()
