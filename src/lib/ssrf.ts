import ipaddr from 'ipaddr.js'

/*
 * Server-side request forgery guard for outbound webhook targets. A target is refused when its
 * host is, or resolves to, an address that is not public unicast: loopback, private, link-local
 * (cloud metadata lives at 169.254.169.254), unspecified, carrier-grade NAT, multicast, reserved,
 * and the IPv6 forms that embed or tunnel such IPv4 addresses.
 *
 * Hosts are taken from a WHATWG-parsed URL, which already canonicalises the odd IPv4 spellings
 * (http://2130706433/, http://0x7f.1/, http://017700000001/ all become 127.0.0.1) and writes IPv6
 * literals in brackets, compressed ([::ffff:127.0.0.1] becomes [::ffff:7f00:1]). Addresses are
 * parsed and classified by ipaddr.js (its table of IANA special-purpose ranges), not by hand.
 */

/** Resolves a host name to every address it has (IPv4 and IPv6). */
export type Resolver = (hostname: string) => Promise<string[]>

export const systemResolver: Resolver = async (hostname) => {
  // Loaded at the first webhook delivery, not at every start (~1 ms of Node's DNS modules).
  const { lookup } = await import('node:dns/promises')
  return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)
}

type IPv4 = ipaddr.IPv4
type IPv6 = ipaddr.IPv6

const cidr4 = (text: string) => ipaddr.IPv4.parseCIDR(text)
const cidr6 = (text: string) => ipaddr.IPv6.parseCIDR(text)

/**
 * The documentation ranges (RFC 5737 TEST-NETs, RFC 3849) route nowhere on the Internet and reach
 * nothing internal; they stay acceptable so examples and tests can use them as public targets.
 */
const DOCUMENTATION = [cidr4('192.0.2.0/24'), cidr4('198.51.100.0/24'), cidr4('203.0.113.0/24')]
const BENCHMARKING_V4 = cidr4('198.18.0.0/15')
const IETF_PROTOCOL_V4 = cidr4('192.0.0.0/24')
/** Global unicast IPv6 (RFC 4291 §2.4): anything outside it is reserved by IANA. */
const GLOBAL_UNICAST_V6 = cidr6('2000::/3')
const DOCUMENTATION_V6 = cidr6('2001:db8::/32')
const IPV4_COMPATIBLE = cidr6('::/96')
const NAT64_LOCAL = cidr6('64:ff9b:1::/48')

/** What each of ipaddr.js's special IPv4 ranges is, in a refusal message. */
const IPV4_RANGE_LABELS: Record<string, string> = {
  unspecified: 'an unspecified ("this network") address',
  broadcast: 'a reserved or broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (cloud metadata lives there)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT (shared) address',
  private: 'a private address',
  reserved: 'a reserved address',
  as112: 'an AS112 (DNS sink) address',
  amt: 'an AMT relay address',
}

const IPV6_RANGE_LABELS: Record<string, string> = {
  unspecified: 'an unspecified address',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  loopback: 'a loopback address',
  uniqueLocal: 'a private (unique local) address',
  deprecatedSiteLocal: 'a site-local (deprecated) address',
  discard: 'a discard-only address',
  teredo: 'a Teredo tunnelling address',
  benchmarking: 'a benchmarking address',
  amt: 'an AMT relay address',
  as112v6: 'an AS112 (DNS sink) address',
  deprecatedOrchid: 'an ORCHID (non-routable) address',
  orchid2: 'an ORCHID (non-routable) address',
  droneRemoteIdProtocolEntityTags: 'a drone remote ID (non-routable) address',
  segmentRouting: 'a segment routing address',
  reserved: 'a reserved address',
}

function blockedIPv4(address: IPv4): string | null {
  if (DOCUMENTATION.some((range) => address.match(range))) return null
  if (address.match(BENCHMARKING_V4)) return 'a benchmarking address (used for internal fake-IP DNS)'
  if (address.match(IETF_PROTOCOL_V4)) return 'an IETF protocol address'
  const range = address.range()
  return range === 'unicast' ? null : (IPV4_RANGE_LABELS[range] ?? `a special-purpose (${range}) address`)
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
const lastIPv4 = (address: IPv6) => ipv4Of(address.parts[6]!, address.parts[7]!)
const ipv4Of = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255])

/** The IPv4 a translating form reaches, judged as that address: "an IPv4-mapped loopback address". */
const embedded = (form: string, inner: IPv4) => {
  const reason = blockedIPv4(inner)
  return reason ? `${form} ${reason.replace(/^an? /, '')}` : null
}
/** The same for a tunnel or gateway prefix: "a 6to4 form of a loopback address". */
const tunnelled = (form: string, inner: IPv4) => {
  const reason = blockedIPv4(inner)
  return reason ? `${form} ${reason}` : null
}

function blockedIPv6(address: IPv6): string | null {
  const range = address.range()
  // Forms whose traffic reaches an embedded IPv4 address are as good as that address.
  if (range === 'ipv4Mapped') return embedded('an IPv4-mapped', lastIPv4(address))
  if (range === 'rfc6145') return embedded('an IPv4-translated', lastIPv4(address))
  if (range === 'rfc6052') {
    if (address.match(NAT64_LOCAL)) return 'a local-use NAT64 address'
    return tunnelled('a NAT64 form of', lastIPv4(address))
  }
  if (range === '6to4') {
    return tunnelled('a 6to4 form of', ipv4Of(address.parts[1]!, address.parts[2]!))
  }
  if (range !== 'unicast') return IPV6_RANGE_LABELS[range] ?? `a special-purpose (${range}) address`
  if (address.match(IPV4_COMPATIBLE)) return 'an IPv4-compatible (deprecated) address'
  if (address.match(DOCUMENTATION_V6)) return null
  if (!address.match(GLOBAL_UNICAST_V6)) return 'an address outside global unicast space'
  return null
}

/**
 * An IP address in canonical text (as URL.hostname and DNS give them, IPv6 optionally in
 * brackets or with a zone), parsed by ipaddr.js; null for anything else. IPv4 must be four
 * decimal parts: the odd spellings never reach here (the URL parser rewrites them).
 */
export function parseAddress(text: string): IPv4 | IPv6 | null {
  const bare = text.replace(/^\[(.*)\]$/, '$1')
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare)
  if (bare.includes(':') && ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare)
  return null
}

/** Why an IP address is not an acceptable target (e.g. "a loopback address"), or null when it is public. */
export function blockedAddressReason(text: string): string | null {
  const address = parseAddress(text)
  if (!address) return 'not an IP address'
  return address.kind() === 'ipv4' ? blockedIPv4(address as IPv4) : blockedIPv6(address as IPv6)
}

/** True for a host that is an IP literal (IPv6 in brackets, as URL.hostname has it). */
export const isIpLiteral = (hostname: string) =>
  ipaddr.IPv4.isValidFourPartDecimal(hostname) || (hostname.startsWith('[') && parseAddress(hostname) !== null)

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
