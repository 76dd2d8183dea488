/** All of standard input, for `--password-stdin`. */
export async function readStdin(): Promise<string> {
  return new Response(Bun.stdin.stream()).text()
}

/** Reads one line from the terminal without echoing it. */
export async function readHiddenLine(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to prompt on: use --password-stdin')
  process.stdout.write(prompt)
  process.stdin.setRawMode(true)
  process.stdin.resume()
  let line = ''
  try {
    for await (const chunk of process.stdin) {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return line
        if (char === '\u0003') throw new Error('cancelled')
        if (char === '\u007f' || char === '\b') line = [...line].slice(0, -1).join('')
        else line += char
      }
    }
    return line
  } finally {
    process.stdin.setRawMode(false)
    process.stdin.pause()
    process.stdout.write('\n')
  }
}
