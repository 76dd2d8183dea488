/** How long an Idempotency-Key is remembered. */
export const KEY_LIFETIME_MS = 24 * 3_600_000

/**
 * The request's identity for Idempotency-Key: SHA-256 of its meaningful content only (lines and
 * note, in order), so unknown fields — which are ignored anyway — don't make a retry "different".
 */
export function requestHash(input: { items: { product_id: string; quantity: number }[]; note?: string }): string {
  const canonical = JSON.stringify({ items: input.items.map((line) => [line.product_id, line.quantity]), note: input.note ?? null })
  return new Bun.CryptoHasher('sha256').update(canonical).digest('hex')
}
