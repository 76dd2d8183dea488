import fc from 'fast-check'

/*
 * fast-check arbitraries written from the served OpenAPI document: valid values for a JSON
 * Schema, and hostile ones (wrong types, edge numbers, huge and tricky strings, extra fields).
 */

export type Schema = Record<string, any>
export type Document = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } }

export function resolveRef(doc: Document, schema: Schema | undefined): Schema | undefined {
  let current = schema
  for (let depth = 0; current?.$ref && depth < 10; depth++) {
    const name = String(current.$ref).replace('#/components/schemas/', '')
    current = doc.components?.schemas?.[name]
  }
  return current
}

/** Strings an attacker would try first. */
export const nastyStrings = fc.constantFrom(
  '',
  ' ',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '=HYPERLINK("http://x")',
  '\u0000\u0001\u001f',
  '😀'.repeat(300),
  'a'.repeat(10_000),
  'NEAR(a b)',
  '"unbalanced',
  '*',
  '{{7*7}}',
  '${jndi:ldap://x}',
  'null',
  '-1',
  '1e309',
  '\uD800',
)

const nastyNumbers = fc.constantFrom(0, -1, -0.5, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e12, Number.MAX_SAFE_INTEGER + 2)

function stringFor(schema: Schema): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]))
  if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString())
  if (schema.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
  if (schema.format === 'email') return fc.emailAddress()
  if (schema.format === 'uri') return fc.webUrl()
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= 300)
    } catch {
      // a pattern fast-check can't generate from: fall through to plain strings
    }
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 300) })
}

/** A value valid for `schema` (best effort: unusual keywords are approximated). */
export function validValue(doc: Document, input: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolveRef(doc, input) ?? {}
  if (depth > 6) return fc.constant(null)
  if ('const' in schema) return fc.constant(schema.const)
  if (schema.anyOf || schema.oneOf) return fc.oneof(...(schema.anyOf ?? schema.oneOf).map((s: Schema) => validValue(doc, s, depth + 1)))
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      return stringFor(schema)
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1_000_000, 2 ** 31) })
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000, noNaN: true, noDefaultInfinity: true })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(validValue(doc, schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      })
    case 'object':
    default: {
      const properties: Record<string, Schema> = schema.properties ?? {}
      const required = new Set<string>(schema.required ?? [])
      const entries = Object.entries(properties).map(([key, value]) => [key, validValue(doc, value, depth + 1)] as const)
      return fc.record(Object.fromEntries(entries), {
        requiredKeys: [...required].filter((key) => key in properties),
      })
    }
  }
}

/** A value that is probably invalid, or valid with hostile extras. */
export function hostileValue(doc: Document, input: Schema | undefined): fc.Arbitrary<unknown> {
  const valid = validValue(doc, input)
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    nastyStrings,
    nastyNumbers,
    valid.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, id: 'forged', role: 'admin', stock: 1e9, price_cents: -1, __proto__: { admin: true } } : v)),
    fc.tuple(valid, fc.string(), fc.oneof(nastyStrings, nastyNumbers, fc.constant(null), fc.jsonValue({ maxDepth: 2 }))).map(([v, _k, bad]) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return bad
      const keys = Object.keys(v)
      if (!keys.length) return bad
      return { ...v, [keys[Math.abs(_k.length) % keys.length]!]: bad }
    }),
    fc.constant(deepJson(2000)),
  )
}

function deepJson(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}
