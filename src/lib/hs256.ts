/*
 * Strict, synchronous verification of HS256 JSON Web Tokens (RFC 7515 compact form, RFC 7519 claims).
 *
 * Why not jose: access tokens are checked on every authenticated request, and jose's `jwtVerify`
 * (through @elysiajs/jwt) is asynchronous (WebCrypto) and cost 27–47 µs per token on this stack;
 * this HMAC with Bun.CryptoHasher and a constant-time compare costs 3.7–5.9 µs on the same loaded
 * machine (bench/hs256.ts measures both) and keeps the auth hooks synchronous, so Elysia awaits
 * none of them. Signing stays with @elysiajs/jwt: it runs once per login.
 *
 * Only what Kiosk mints is accepted: header `alg` exactly "HS256" (never "none" nor another
 * algorithm, so there is no algorithm confusion), `typ` absent or "JWT", no `crit` extensions;
 * three unpadded base64url segments; the signature in its one canonical encoding; a JSON object
 * payload.
 */

export type TokenFailure =
  /** Not three base64url segments, or a header or payload that is not a JSON object. */
  | 'malformed'
  /** A header that is not exactly what Kiosk signs: another `alg`, an unknown `typ`, `crit`. */
  | 'algorithm'
  | 'signature'
  /** A registered claim missing or of the wrong type (`exp`, `iat` and `nbf` numbers; `sub`, `jti` strings). */
  | 'claims'
  | 'expired'
  | 'not_yet_valid'
  /** `iat` later than now plus the allowed clock skew. */
  | 'issued_in_future'

export type VerifyResult = { ok: true; claims: Readonly<Record<string, unknown>> } | { ok: false; failure: TokenFailure }

export interface VerifyClock {
  /** Judges `exp` and `nbf` (seconds are compared, as jose does: `exp <= now` is expired). */
  now: Date
  /** Judges `iat`: the signer stamps it from the wall clock, so it is judged by the wall clock too. */
  wallNowMs: number
  /** How far in the future `iat` may be (TOKEN_CLOCK_SKEW). */
  iatSkewMs: number
}

const SEGMENT = /^[A-Za-z0-9_-]+$/

const fail = (failure: TokenFailure): VerifyResult => ({ ok: false, failure })

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  // A length of 1 mod 4 is no base64 at all; the character set was checked by the caller.
  if (segment.length % 4 === 1) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** An HMAC-SHA256 is 32 bytes: 43 base64url characters, the last one's 2 low bits unused. */
const SIGNATURE_LENGTH = 43

/** Whether a header is exactly what Kiosk signs; null when it is. */
function headerFailure(segment: string): TokenFailure | null {
  const header = decodeJsonObject(segment)
  if (!header) return 'malformed'
  if (header.alg !== 'HS256') return 'algorithm'
  if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) return 'algorithm'
  if (header.crit !== undefined || header.b64 !== undefined) return 'algorithm'
  return null
}

/** Verdicts on header segments already seen (every token Kiosk mints has the same header); bounded. */
const HEADER_VERDICTS_MAX = 64
/**
 * Decoded payloads of tokens whose signature was just verified: a client sends one access token on
 * every request until it expires, and decoding (base64url, UTF-8, JSON.parse) cost ~1.7 µs of the
 * ~6. Looked up only after the signature matched, so it tells nothing about forged tokens; the
 * claims (frozen, shared) are still judged against the clock every time. Bounded: cleared when full.
 */
const PAYLOADS_MAX = 4096

/** A verifier bound to one secret. `verify` never throws. */
export function createHs256Verifier(secret: string) {
  // The HMAC keyed once; each verification copies it, which skips hashing the padded key twice
  // (a copy costs about half a fresh keyed hasher, ~1.5 µs less per token here).
  const keyed = new Bun.CryptoHasher('sha256', Buffer.from(secret, 'utf8'))
  const headerVerdicts = new Map<string, TokenFailure | null>()
  const payloads = new Map<string, Readonly<Record<string, unknown>> | undefined>()
  const signature = Buffer.alloc(32)

  function verify(token: string, clock: VerifyClock): VerifyResult {
    const first = token.indexOf('.')
    const second = first === -1 ? -1 : token.indexOf('.', first + 1)
    if (second === -1 || token.indexOf('.', second + 1) !== -1) return fail('malformed')
    const headerPart = token.slice(0, first)
    const payloadPart = token.slice(first + 1, second)
    const signaturePart = token.slice(second + 1)
    if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart) || !SEGMENT.test(signaturePart)) return fail('malformed')

    let verdict = headerVerdicts.get(headerPart)
    if (verdict === undefined) {
      verdict = headerFailure(headerPart)
      if (headerVerdicts.size < HEADER_VERDICTS_MAX) headerVerdicts.set(headerPart, verdict)
    }
    if (verdict) return fail(verdict)

    // The signature must be in its one canonical encoding (unused bits zero), so the same bytes
    // spelled another way are refused too; then the bytes are compared in constant time (Bun's
    // global `crypto.timingSafeEqual`: node:crypto's own import would load Node's crypto and
    // stream modules at every start, ~4 ms in a compiled one-line program).
    if (signaturePart.length !== SIGNATURE_LENGTH || BASE64URL.indexOf(signaturePart[SIGNATURE_LENGTH - 1]!) % 4 !== 0) return fail('signature')
    const expected = keyed.copy().update(token.slice(0, second)).digest()
    // Decoded into one buffer of the verifier (no allocation per token); 43 canonical characters are 32 bytes.
    if (signature.write(signaturePart, 'base64url') !== 32 || !crypto.timingSafeEqual(signature, expected)) return fail('signature')

    let claims = payloads.get(payloadPart)
    if (claims === undefined && !payloads.has(payloadPart)) {
      const decoded = decodeJsonObject(payloadPart)
      claims = decoded && Object.freeze(decoded)
      if (payloads.size >= PAYLOADS_MAX) payloads.clear()
      payloads.set(payloadPart, claims)
    }
    if (!claims) return fail('malformed')
    const { exp, nbf, iat, sub, jti } = claims
    if (!isNumericDate(exp) || !isNumericDate(iat) || (nbf !== undefined && !isNumericDate(nbf))) return fail('claims')
    if (typeof sub !== 'string' || typeof jti !== 'string') return fail('claims')
    const nowSeconds = Math.floor(clock.now.getTime() / 1000)
    if (exp <= nowSeconds) return fail('expired')
    if (nbf !== undefined && nbf > nowSeconds) return fail('not_yet_valid')
    if (iat * 1000 > clock.wallNowMs + clock.iatSkewMs) return fail('issued_in_future')
    return { ok: true, claims }
  }

  return { verify }
}

export type Hs256Verifier = ReturnType<typeof createHs256Verifier>
