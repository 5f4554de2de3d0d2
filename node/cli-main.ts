import { NovacronError } from '../src/errors.js'
import { VERSION } from '../src/constants.js'
import { CliError, UsageError, parse, type Command, type Io } from './cli-kit.js'
import { COMMANDS } from './commands/index.js'

/** Pick the command whose name matches the most leading words of argv. */
function findCommand (argv: string[]): { cmd: Command, rest: string[] } | undefined {
  let best: { cmd: Command, rest: string[] } | undefined
  for (const cmd of COMMANDS) {
    const words = cmd.name.split(' ')
    if (words.every((w, i) => argv[i] === w) && (best == null || words.length > best.cmd.name.split(' ').length)) {
      best = { cmd, rest: argv.slice(words.length) }
    }
  }
  return best
}

export function helpText (): string {
  const width = Math.max(...COMMANDS.map(c => c.name.length))
  return [
    `novacron ${VERSION} — edge-first peer-to-peer VM platform`,
    '',
    'usage: novacron <command> [options]   (novacron <command> --help for its options)',
    '',
    'commands:',
    ...COMMANDS.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Client commands find the node through --api URL, or --data-dir DIR (default $NOVACRON_DATA_DIR or /var/lib/novacron).',
    'Errors go to stderr; the exit code is 1 for a failure, 2 for a usage error.'
  ].join('\n') + '\n'
}

/** Run the CLI; returns the exit code. Never throws. */
export async function main (argv: string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write(helpText())
    return argv.length === 0 ? 2 : 0
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write(`${VERSION}\n`)
    return 0
  }
  try {
    const found = findCommand(argv)
    if (found == null) throw new UsageError(`unknown command "${argv.filter(a => !a.startsWith('-')).slice(0, 2).join(' ')}"; run \`novacron --help\``)
    const args = parse(found.cmd, found.rest)
    if (args.values.help === true) {
      io.stdout.write(`${found.cmd.summary}\nusage: ${found.cmd.usage}\n`)
      return 0
    }
    return await found.cmd.run(args, io)
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`novacron: ${err.message}\n`)
      return err.exitCode
    }
    if (err instanceof NovacronError) {
      io.stderr.write(`novacron: ${err.message} (${err.code})\n`)
      return 1
    }
    io.stderr.write(`novacron: unexpected error: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}
