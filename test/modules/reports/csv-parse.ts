/**
 * A strict RFC 4180 parser for the tests, written apart from the code under test: records end in
 * CRLF; a field is either bare (no quote, comma, CR or LF) or quoted, with `""` for a quote. Any
 * deviation throws.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let i = 0
  const fail = (why: string) => {
    throw new Error(`invalid CSV at ${i}: ${why}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`)
  }
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) fail('unterminated quoted field')
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += text[i++]
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') fail('quote in a bare field')
        field += text[i++]
      }
    }
    record.push(field)
    if (text[i] === ',') {
      i++
      continue
    }
    if (text[i] === '\r' && text[i + 1] === '\n') {
      records.push(record)
      record = []
      i += 2
      continue
    }
    fail('expected a comma or CRLF after a field')
  }
  if (record.length) fail('last record lacks its CRLF')
  return records
}
