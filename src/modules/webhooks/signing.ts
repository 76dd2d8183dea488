import { Webhook } from 'standardwebhooks'

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` + base64
 * of random bytes; the signature is `v1,` + base64 HMAC-SHA256, keyed with the decoded bytes, of
 * `<webhook-id>.<webhook-timestamp>.<body>`. Signing goes through the reference library, so what
 * we send is by construction what its verify() accepts.
 */

export const SECRET_PREFIX = 'whsec_'
const SECRET_BYTES = 32

export const generateSecret = () =>
  SECRET_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(SECRET_BYTES))).toString('base64')

/** The three signature headers for one attempt; `at` becomes webhook-timestamp (unix seconds). */
export function signatureHeaders(secret: string, eventId: string, at: Date, body: string) {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, at, body),
  }
}
