#!/usr/bin/env bun
import { parseArgs } from 'node:util'
import { version } from '../package.json'
import { ConfigError, describeSettings, loadConfig, readEnvironment } from './config.ts'
import { COMMANDS, type Command } from './cli/commands.ts'

const HELP = `kiosk ${version}: a commerce API in one executable

Usage: kiosk [command] [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${command.usage.padEnd(32)}${command.summary}`)
  .join('\n')}

Options:
  -h, --help                      show this help
  -v, --version                   print the version

Settings (environment variables, or KEY=value lines in ./.env):
${describeSettings()}
`

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  })
  if (values.version) {
    console.log(version)
    return 0
  }
  const name = positionals[0] ?? 'serve'
  if (values.help || name === 'help') {
    console.log(HELP)
    return 0
  }
  const command: Command | undefined = COMMANDS[name as keyof typeof COMMANDS]
  if (!command) {
    console.error(`kiosk: unknown command "${name}"; see kiosk --help`)
    return 2
  }
  let config
  try {
    config = loadConfig(await readEnvironment())
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`kiosk: configuration error: ${error.message}`)
      return 78 // EX_CONFIG
    }
    throw error
  }
  return command.run(config, argv.slice(positionals.length ? argv.indexOf(name) + 1 : argv.length))
}

// Exit explicitly: once a command is done nothing may keep the process alive (idle keep-alive
// sockets, metric monitors), so SIGTERM ends in exit 0 promptly.
process.exit(
  await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`kiosk: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }),
)
