#!/usr/bin/env bun
import { parseArgs } from 'node:util'
import { version } from '../package.json'
import { ConfigError, describeSettings, readEnvironment } from './config.ts'
import { COMMANDS, type Command, type CommandName } from './cli/commands.ts'
import { CliError, EXIT } from './cli/exit.ts'

/** Rows as two columns, the second aligned two spaces after the longest first one. */
const columns = (rows: [string, string][], indent = '  ') => {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}${right}`.trimEnd()).join('\n')
}

const HELP = `kiosk ${version}: a commerce API in one executable

Usage: kiosk [command] [options]

Commands:
${columns(Object.entries(COMMANDS).map(([name, command]) => [name, command.summary]))}

Run kiosk <command> --help for a command's arguments and options.

Options:
${columns([
  ['-h, --help', 'show this help'],
  ['-v, --version', 'print the version'],
])}

Settings (environment variables, or KEY=value lines in ./.env; the environment wins):
${describeSettings()}
`

const commandHelp = (command: Command) => `Usage: kiosk ${command.usage}

${command.help}

  -h, --help   show this help
`

/** Parses a command's arguments strictly: an unknown flag or a stray argument is a usage error. */
function parseCommandArgs(name: string, command: Command, args: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: command.positionals.max > 0,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    })
    if (values.help) return { help: true as const }
    const { min, max } = command.positionals
    if (positionals.length < min || positionals.length > max) {
      throw new CliError(`kiosk ${name}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}; usage: kiosk ${command.usage}`, EXIT.USAGE)
    }
    return { help: false as const, parsed: { values: values as Record<string, string | boolean | undefined>, positionals, raw: args } }
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`kiosk ${name}: ${usageMessage(error)}; see kiosk ${name} --help`, EXIT.USAGE)
  }
}

/** node:util's parse errors, said briefly and naming the flag. */
function usageMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message: string }
  const quoted = /'([^']+)'/.exec(message)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted}`
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${quoted}`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return message.replace(/\.$/, '')
  return message
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--version' || first === '-v') {
    if (rest.length) throw new CliError(`kiosk: --version takes no arguments`, EXIT.USAGE)
    console.log(version)
    return EXIT.OK
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(HELP)
    return EXIT.OK
  }
  // No command, or flags first: the default command, serve, gets every argument.
  const name = first === undefined || first.startsWith('-') ? 'serve' : first
  const args = name === first ? rest : argv
  if (!Object.hasOwn(COMMANDS, name)) throw new CliError(`kiosk: unknown command "${name}"; see kiosk --help`, EXIT.USAGE)
  const command: Command = COMMANDS[name as CommandName]
  const parsed = parseCommandArgs(name, command, args)
  if (parsed.help) {
    console.log(commandHelp(command))
    return EXIT.OK
  }
  return command.run(await readEnvironment(), parsed.parsed)
}

// Exit explicitly: once a command is done nothing may keep the process alive (idle keep-alive
// sockets, metric monitors), so SIGTERM ends in exit 0 promptly. A promise chain, not a top-level
// await: the executable is built as CommonJS, which starts faster (scripts/build.ts).
void main(process.argv.slice(2))
  .catch((error: unknown) => {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`kiosk: configuration error: ${problem}`)
      return EXIT.CONFIG
    }
    if (error instanceof CliError) {
      console.error(error.message.startsWith('kiosk') ? error.message : `kiosk: ${error.message}`)
      return error.exitCode
    }
    console.error(`kiosk: ${error instanceof Error ? error.message : String(error)}`)
    return EXIT.FAILURE
  })
  .then((code) => process.exit(code))
