import { lookup } from 'node:dns/promises'

/*
 * Server-side request forgery guard for outbound webhook targets. A target is refused when its
 * host is, or resolves to, an address that is not public unicast: loopback, private, link-local
 * (cloud metadata lives at 169.254.169.254), unspecified, carrier-grade NAT, multicast, reserved,
 * and the IPv6 forms that embed or tunnel such IPv4 addresses.
 *
 * Hosts are taken from a WHATWG-parsed URL, which already canonicalises the odd IPv4 spellings
 * (http://2130706433/, http://0x7f.1/, http://017700000001/ all become 127.0.0.1) and writes IPv6
 * literals in brackets, compressed ([::ffff:127.0.0.1] becomes [::ffff:7f00:1]).
 */

/** Resolves a host name to every address it has (IPv4 and IPv6). */
export type Resolver = (hostname: string) => Promise<string[]>

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)

/** Dotted-decimal IPv4 to a 32-bit unsigned integer, or null. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  let value = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null
    value = value * 256 + Number(part)
  }
  return value
}

/** IPv6 text (with `::` and an optional dotted IPv4 tail or zone) to eight 16-bit groups, or null. */
export function parseIPv6(text: string): number[] | null {
  let rest = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const tail: number[] = []
  const dotted = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(rest)
  if (dotted) {
    const v4 = parseIPv4(dotted[1]!)
    if (v4 === null) return null
    tail.push(Math.floor(v4 / 65536), v4 % 65536)
    rest = rest.slice(0, rest.length - dotted[1]!.length)
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1)
  }
  const halves = rest.split('::')
  if (halves.length > 2) return null
  const groups = (half: string) => (half === '' ? [] : half.split(':'))
  const head = groups(halves[0]!)
  const after = halves.length === 2 ? groups(halves[1]!) : []
  const hex = (group: string) => (/^[0-9a-f]{1,4}$/i.test(group) ? parseInt(group, 16) : NaN)
  const explicit = [...head, ...after].map(hex)
  if (explicit.some(Number.isNaN)) return null
  const missing = 8 - explicit.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null
  return [...head.map(hex), ...new Array<number>(missing).fill(0), ...after.map(hex), ...tail]
}

const cidr4 = (base: string, bits: number) => ({ base: parseIPv4(base)!, size: 2 ** (32 - bits) })

const IPV4_BLOCKED: { range: ReturnType<typeof cidr4>; label: string }[] = [
  { range: cidr4('0.0.0.0', 8), label: 'an unspecified ("this network") address' },
  { range: cidr4('10.0.0.0', 8), label: 'a private address' },
  { range: cidr4('100.64.0.0', 10), label: 'a carrier-grade NAT (shared) address' },
  { range: cidr4('127.0.0.0', 8), label: 'a loopback address' },
  { range: cidr4('169.254.0.0', 16), label: 'a link-local address (cloud metadata lives there)' },
  { range: cidr4('172.16.0.0', 12), label: 'a private address' },
  { range: cidr4('192.0.0.0', 24), label: 'an IETF protocol address' },
  { range: cidr4('192.168.0.0', 16), label: 'a private address' },
  { range: cidr4('198.18.0.0', 15), label: 'a benchmarking address (used for internal fake-IP DNS)' },
  { range: cidr4('224.0.0.0', 4), label: 'a multicast address' },
  { range: cidr4('240.0.0.0', 4), label: 'a reserved or broadcast address' },
]

function blockedIPv4(value: number): string | null {
  const hit = IPV4_BLOCKED.find(({ range }) => value >= range.base && value < range.base + range.size)
  return hit ? hit.label : null
}

const embeddedIPv4 = (high: number, low: number) => high * 65536 + low

function blockedIPv6(g: number[]): string | null {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (g.every((x) => x === 0)) return 'an unspecified address'
  if (zeroUpTo(7) && g[7] === 1) return 'a loopback address'
  // ::ffff:a.b.c.d (IPv4-mapped) reaches the IPv4 address itself.
  if (zeroUpTo(5) && g[5] === 0xffff) {
    const inner = blockedIPv4(embeddedIPv4(g[6]!, g[7]!))
    return inner ? `an IPv4-mapped ${inner.replace(/^an? /, '')}` : null
  }
  if (zeroUpTo(6)) return 'an IPv4-compatible (deprecated) address'
  // NAT64 well-known prefix: the gateway forwards to the embedded IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    const inner = blockedIPv4(embeddedIPv4(g[6]!, g[7]!))
    return inner ? `a NAT64 form of ${inner}` : null
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'a local-use NAT64 address'
  // 6to4 relays reach the IPv4 address in groups 1-2.
  if (g[0] === 0x2002) {
    const inner = blockedIPv4(embeddedIPv4(g[1]!, g[2]!))
    return inner ? `a 6to4 form of ${inner}` : null
  }
  if (g[0] === 0x2001 && g[1] === 0) return 'a Teredo tunnelling address'
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return 'a discard-only address'
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return 'a private (unique local) address'
  if ((first & 0xffc0) === 0xfe80) return 'a link-local address'
  if ((first & 0xffc0) === 0xfec0) return 'a site-local (deprecated) address'
  if ((first & 0xff00) === 0xff00) return 'a multicast address'
  return null
}

/** Why an IP address is not an acceptable target (e.g. "a loopback address"), or null when it is public. */
export function blockedAddressReason(address: string): string | null {
  const v4 = parseIPv4(address)
  if (v4 !== null) return blockedIPv4(v4)
  const v6 = parseIPv6(address)
  if (v6 !== null) return blockedIPv6(v6)
  return 'not an IP address'
}

/** True for a host that is an IP literal (IPv6 in brackets, as URL.hostname has it). */
export const isIpLiteral = (hostname: string) => parseIPv4(hostname) !== null || (hostname.startsWith('[') && parseIPv6(hostname) !== null)

/** `localhost` and its subdomains (RFC 6761) name this machine whatever DNS says. */
const isLocalhostName = (hostname: string) => {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

export type TargetVerdict =
  /** Acceptable; `addresses` are what the host is (or resolved to), each checked. */
  | { ok: true; addresses: string[] }
  | { ok: false; reason: string }

/**
 * Checks a target URL's host. Literals and `localhost` names are judged without DNS; any other
 * name is resolved and refused if any of its addresses is not public (an attacker controls which
 * one a client picks). Resolution errors propagate: the caller decides what a failed lookup means.
 */
export async function inspectTarget(url: URL, resolve: Resolver): Promise<TargetVerdict> {
  const host = url.hostname
  if (isLocalhostName(host)) return { ok: false, reason: `the host ${host} names this machine` }
  if (isIpLiteral(host)) {
    const address = host.replace(/^\[|\]$/g, '')
    const reason = blockedAddressReason(address)
    return reason ? { ok: false, reason: `the host ${host} is ${reason}` } : { ok: true, addresses: [address] }
  }
  const addresses = await resolve(host)
  if (addresses.length === 0) throw new Error(`${host} has no addresses`)
  for (const address of addresses) {
    const reason = blockedAddressReason(address)
    if (reason) return { ok: false, reason: `the host ${host} resolves to ${address}, ${reason}` }
  }
  return { ok: true, addresses }
}
