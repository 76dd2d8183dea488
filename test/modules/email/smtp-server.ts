import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export const SMTP_USER = 'kiosk'
export const SMTP_PASS = 'smtp-secret'

export interface TestSmtp {
  /** SMTP_URL for Kiosk, with the credentials the server checks. */
  url: string
  port: number
  /** Every message accepted so far, parsed. */
  received: ParsedMail[]
  /** For each accepted message, whether its session was upgraded to TLS (STARTTLS). */
  secure: boolean[]
  /** Resolves once `n` messages have been accepted (or rejects after timeoutMs). */
  arrivals(n: number, timeoutMs?: number): Promise<ParsedMail[]>
  close(): Promise<void>
}

/**
 * A real SMTP server (nodemailer's smtp-server) on loopback: AUTH PLAIN/LOGIN with fixed
 * credentials, no STARTTLS (no certificate to trust on loopback). `port` pins the port, so a test
 * can stop the server and start it again where Kiosk expects it. Messages count once answered (accepted).
 */
export async function startSmtp(
  options: { port?: number; holdFirst?: Promise<void>; tls?: { key: string; cert: string } } = {},
): Promise<TestSmtp> {
  const received: ParsedMail[] = []
  const secure: boolean[] = []
  let messages = 0
  const waiters = new Set<() => void>()
  const server = new SMTPServer({
    // STARTTLS is offered only with a certificate (tls); otherwise the server speaks plain SMTP.
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      // With holdFirst, the first message is read but answered only once it resolves (a hung attempt).
      const hold = messages++ === 0 && options.holdFirst ? options.holdFirst : Promise.resolve()
      simpleParser(stream).then(
        async (mail) => {
          await hold
          received.push(mail)
          secure.push(session.secure)
          for (const wake of waiters) wake()
          callback()
        },
        (error) => callback(error),
      )
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${port}`,
    port,
    received,
    secure,
    arrivals(n, timeoutMs = 15_000) {
      if (received.length >= n) return Promise.resolve(received)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${n} messages, got ${received.length}`)), timeoutMs)
        const wake = () => {
          if (received.length < n) return
          clearTimeout(timer)
          waiters.delete(wake)
          resolve(received)
        }
        waiters.add(wake)
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A loopback port nothing listens on (taken from a server that is then closed). */
export async function closedPort(): Promise<number> {
  const smtp = await startSmtp()
  await smtp.close()
  return smtp.port
}

/** The token of the one link in a message's plain-text body. */
export function tokenFrom(mail: ParsedMail, path: string): string {
  const match = new RegExp(`https://shop\\.example${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? '')
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`)
  return match[1]!
}

/** A self-signed certificate for 127.0.0.1 / localhost (openssl), for a server that offers STARTTLS. */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const made = Bun.spawnSync(
    ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`],
    { stderr: 'pipe' },
  )
  if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`)
  return { key: readFileSync(`${dir}/key.pem`, 'utf8'), cert: readFileSync(`${dir}/cert.pem`, 'utf8') }
}
