/** 32 random bytes (256 bits), base64url: a secret handed out once (a mailed link, a refresh token). */
export const newOneTimeToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')

/** What is stored instead of the token: its SHA-256 (a token is random, so no salt or slow hash is needed). */
export const hashOneTimeToken = (token: string) => new Bun.CryptoHasher('sha256').update(token).digest('hex')
