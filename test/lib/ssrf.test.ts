import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { blockedAddressReason, inspectTarget, parseAddress, type Resolver } from '../../src/lib/ssrf.ts'
import { pinToAddress } from '../../src/modules/webhooks/delivery.ts'
import { vetTargetUrl } from '../../src/modules/webhooks/service.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// No network: every name is answered by an injected resolver.
const resolverOf =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = table[hostname]
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    return addresses
  }
const noDns: Resolver = async (hostname) => {
  throw new Error(`unexpected DNS lookup of ${hostname}`)
}
const verdictFor = (url: string, resolve: Resolver = noDns) => inspectTarget(new URL(url), resolve)

describe('blockedAddressReason: IPv4 classes', () => {
  const cases: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.0.1', /private/],
    ['169.254.169.254', /link-local/],
    ['169.254.1.1', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['198.18.0.1', /benchmarking/],
  ]
  for (const [address, reason] of cases) {
    test(`refuses ${address}`, () => {
      expect(blockedAddressReason(address)).toMatch(reason)
    })
  }

  for (const address of ['8.8.8.8', '93.184.215.14', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.0', '198.51.100.7', '11.0.0.1']) {
    test(`accepts the public ${address}`, () => {
      expect(blockedAddressReason(address)).toBeNull()
    })
  }
})

describe('blockedAddressReason: IPv6 classes', () => {
  const cases: [string, RegExp][] = [
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['fc00::1', /private/],
    ['fd12:3456:789a::1', /private/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf::1', /link-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['::ffff:7f00:1', /IPv4-mapped loopback/],
    ['::ffff:10.0.0.1', /IPv4-mapped private/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped link-local/],
    ['::ffff:0.0.0.0', /IPv4-mapped unspecified/],
    // ipaddr.js reads the dotted form as IPv4-mapped; refused either way.
    ['::127.0.0.1', /IPv4-(compatible|mapped)/],
    ['::7f00:1', /IPv4-compatible/],
    ['64:ff9b::7f00:1', /NAT64 form of a loopback/],
    ['64:ff9b::192.168.0.1', /NAT64 form of a private/],
    ['2002:7f00:1::', /6to4 form of a loopback/],
    ['2002:a9fe:a9fe::1', /6to4 form of a link-local/],
    ['2001:0::1', /Teredo/],
    // IPv4-translated (RFC 6145/7915, ::ffff:0:a.b.c.d): what http://[::ffff:0:7f00:1]/ is.
    ['::ffff:0:7f00:1', /IPv4-translated loopback/],
    ['::ffff:0:127.0.0.1', /IPv4-translated loopback/],
    ['::ffff:0:a9fe:a9fe', /IPv4-translated link-local/],
    ['::ffff:0:a00:1', /IPv4-translated private/],
    ['64:ff9b::a9fe:a9fe', /NAT64 form of a link-local/],
    ['64:ff9b:1::1', /local-use NAT64/],
    ['2002:c0a8:1::', /6to4 form of a private/],
    ['2001:2::1', /benchmarking/],
    ['5f00::1', /segment routing/],
    ['100::1', /discard-only/],
    ['fec0::1', /site-local/],
    ['1::1', /outside global unicast/],
    ['::ffff:100.64.0.1', /IPv4-mapped carrier-grade NAT/],
    ['::ffff:198.18.0.1', /IPv4-mapped benchmarking/],
  ]
  for (const [address, reason] of cases) {
    test(`refuses ${address}`, () => {
      expect(blockedAddressReason(address)).toMatch(reason)
    })
  }

  for (const address of ['2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '::ffff:0:808:808', '64:ff9b::808:808', '2002:808:808::1']) {
    test(`accepts the public ${address}`, () => {
      expect(blockedAddressReason(address)).toBeNull()
    })
  }

  test('refuses what is not an address at all', () => {
    expect(blockedAddressReason('example.com')).toBe('not an IP address')
    expect(blockedAddressReason('1:2:3')).toBe('not an IP address')
    expect(blockedAddressReason('1::2::3')).toBe('not an IP address')
    expect(blockedAddressReason('256.0.0.1')).toBe('not an IP address')
  })

  test('parses the IPv6 spellings into the same address', () => {
    const mapped = [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]
    for (const spelling of ['::ffff:127.0.0.1', '[::ffff:7f00:1]', '0:0:0:0:0:ffff:7f00:0001']) {
      expect((parseAddress(spelling) as { parts: number[] } | null)?.parts).toEqual(mapped)
    }
    expect(parseAddress('1:2:3:4:5:6:7:8:9')).toBeNull()
    expect(parseAddress('0x7f.1')).toBeNull()
  })
})

describe('inspectTarget: URL hosts', () => {
  const refused: [string, RegExp][] = [
    ['http://127.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback/],
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback/],
    ['http://0x7f000001/', /127\.0\.0\.1 is a loopback/],
    ['http://017700000001/', /127\.0\.0\.1 is a loopback/],
    ['http://0177.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['http://127.1/', /127\.0\.0\.1 is a loopback/],
    ['http://0/', /0\.0\.0\.0 is an unspecified/],
    ['http://3232235521/', /192\.168\.0\.1 is a private/],
    ['http://[::ffff:127.0.0.1]/', /IPv4-mapped loopback/],
    ['http://[::ffff:0:7f00:1]/', /IPv4-translated loopback/],
    ['http://[::ffff:0:169.254.169.254]/', /IPv4-translated link-local/],
    ['http://[64:ff9b::127.0.0.1]/', /NAT64 form of a loopback/],
    ['http://[::ffff:169.254.169.254]/latest', /IPv4-mapped link-local/],
    ['http://[::1]:8080/', /loopback/],
    ['http://[::]/', /unspecified/],
    ['http://[fd00::5]/', /private/],
    ['http://[fe80::1]/', /link-local/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://localhost/', /names this machine/],
    ['http://LOCALHOST./', /names this machine/],
    ['http://api.localhost:8080/', /names this machine/],
  ]
  for (const [url, reason] of refused) {
    test(`refuses ${url} without DNS`, async () => {
      const verdict = await verdictFor(url)
      expect(verdict.ok).toBe(false)
      expect(verdict.ok ? '' : verdict.reason).toMatch(reason)
    })
  }

  test('accepts a public literal without DNS', async () => {
    expect(await verdictFor('https://198.51.100.7:8443/x')).toEqual({ ok: true, addresses: ['198.51.100.7'] })
    expect(await verdictFor('https://[2606:4700:4700::1111]/x')).toEqual({ ok: true, addresses: ['2606:4700:4700::1111'] })
  })

  test('resolves a name and accepts it when every address is public', async () => {
    const resolve = resolverOf({ 'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] })
    expect(await verdictFor('https://hooks.example.com/x', resolve)).toEqual({
      ok: true,
      addresses: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    })
  })

  test('refuses a name that resolves to a private address', async () => {
    const verdict = await verdictFor('https://intranet.example.com/', resolverOf({ 'intranet.example.com': ['10.20.30.40'] }))
    expect(verdict).toEqual({ ok: false, reason: 'the host intranet.example.com resolves to 10.20.30.40, a private address' })
  })

  test('refuses a name when any one of its addresses is private', async () => {
    const resolve = resolverOf({ 'mixed.example.com': ['93.184.215.14', '::1'] })
    const verdict = await verdictFor('https://mixed.example.com/', resolve)
    expect(verdict.ok ? '' : verdict.reason).toContain('resolves to ::1, a loopback address')
  })

  test('refuses a name that resolves to the metadata address through IPv4-mapped IPv6', async () => {
    const verdict = await verdictFor('http://meta.example.com/', resolverOf({ 'meta.example.com': ['::ffff:169.254.169.254'] }))
    expect(verdict.ok ? '' : verdict.reason).toContain('IPv4-mapped link-local')
  })

  test('lets a lookup failure through to the caller', async () => {
    await expect(verdictFor('https://nowhere.example.com/', resolverOf({}))).rejects.toThrow('ENOTFOUND')
  })
})

describe('vetTargetUrl (registration)', () => {
  const options = { allowPrivate: false, lookupTimeoutMs: 1_000 }

  test('refuses a name resolving to a private address with a clear message', async () => {
    const resolve = resolverOf({ 'internal.example.com': ['192.168.4.2'] })
    await expect(vetTargetUrl('https://internal.example.com/hook', { ...options, resolve })).rejects.toThrow(
      'the host internal.example.com resolves to 192.168.4.2, a private address',
    )
  })

  test('accepts a name that does not resolve (delivery checks again)', async () => {
    expect(await vetTargetUrl('https://not-yet.example.com/hook', { ...options, resolve: resolverOf({}) })).toBe(
      'https://not-yet.example.com/hook',
    )
  })

  test('accepts a name whose lookup hangs past the timeout', async () => {
    const hanging: Resolver = () => new Promise(() => {})
    expect(await vetTargetUrl('https://slow.example.com/', { ...options, lookupTimeoutMs: 10, resolve: hanging })).toBe(
      'https://slow.example.com/',
    )
  })

  test('allows private targets, unresolved, when allowPrivate is set', async () => {
    expect(await vetTargetUrl('http://127.0.0.1:8080/x', { ...options, allowPrivate: true, resolve: noDns })).toBe('http://127.0.0.1:8080/x')
  })
})

describe('pinToAddress (delivery)', () => {
  test('sends a plain http request to the checked address, keeping the Host', () => {
    const pinned = pinToAddress(new URL('http://hooks.example.com:8080/in?x=1'), ['2606:2800::1', '93.184.215.14'])
    expect(pinned.url.href).toBe('http://93.184.215.14:8080/in?x=1')
    expect(pinned.host).toBe('hooks.example.com:8080')
  })

  test('brackets an IPv6-only address', () => {
    const pinned = pinToAddress(new URL('http://v6.example.com/in'), ['2606:2800::1'])
    expect(pinned.url.href).toBe('http://[2606:2800::1]/in')
    expect(pinned.host).toBe('v6.example.com')
  })

  test('leaves https alone: the certificate must match the name', () => {
    const target = new URL('https://hooks.example.com/in')
    expect(pinToAddress(target, ['93.184.215.14'])).toEqual({ url: target })
  })
})
