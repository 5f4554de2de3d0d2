import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { fileURLToPath } from 'node:url'
import { VERSION } from '../../src/constants.js'
import { readLabelAndApiFlags } from './node-identity-flags.js'
import { CliError, flag, list, str, writeJson, type Command, type Io } from '../cli-kit.js'
import { DEFAULT_INSTALL_DATA_DIR, DEFAULT_PROGRAM_DIR, DEFAULT_USER, installLayout } from '../install/layout.js'

/** The installer and what it drives, loaded when an (un)install runs: it brings the peer-key and config code. */
async function installer (): Promise<typeof import('../install/installer.js') & typeof import('../install/system-ops.js')> {
  const [i, ops] = await Promise.all([import('../install/installer.js'), import('../install/system-ops.js')])
  return { ...i, ...ops }
}

/** The unpacked release this program runs from: $NOVACRON_HOME (set by bin/novacron), else three levels above this file. */
function programHome (io: Io): string {
  return io.env.NOVACRON_HOME ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
}

function absolute (flagName: string, value: string): string {
  if (!isAbsolute(value)) throw new CliError(`${flagName}: "${value}" must be an absolute path`, 2)
  return value
}

/** Ask on the terminal for what a new install needs and the flags did not give. */
async function prompt (question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
}

export const installCommand: Command = {
  name: 'install',
  summary: 'install this release as a systemd service: system user, data dir, config, hardened unit (upgrades keep the data dir)',
  usage: 'novacron install [--secret-file FILE] [--bootstrap MULTIADDR]... [--data-dir DIR] [--root DIR] [--listen MULTIADDR]... [--announce MULTIADDR]... [--api HOST:PORT] [--site NAME] [--region NAME] [--zone NAME] [--label KEY=VALUE]... [--role node|bootstrap] [--user NAME] [--no-start] [--json]',
  options: {
    'secret-file': { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
    root: { type: 'string' },
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    api: { type: 'string' },
    site: { type: 'string' },
    region: { type: 'string' },
    zone: { type: 'string' },
    label: { type: 'string', multiple: true },
    user: { type: 'string' },
    role: { type: 'string' },
    'no-start': { type: 'boolean' },
    json: { type: 'boolean' }
  },
  async run (args, io) {
    const root = resolve(str(args, 'root') ?? '/')
    const layout = installLayout(root, absolute('--data-dir', str(args, 'data-dir') ?? DEFAULT_INSTALL_DATA_DIR), DEFAULT_PROGRAM_DIR)
    const role = str(args, 'role') ?? 'node'
    if (role !== 'node' && role !== 'bootstrap') throw new CliError(`install: --role must be node or bootstrap, not "${role}"`, 2)
    if (root === '/' && process.getuid?.() !== 0) throw new CliError('install: run as root (or stage it with --root DIR)')
    const { dataDirHoldsNode, install, realSystemOps } = await installer()
    let secretFile = str(args, 'secret-file')
    let bootstrap = list(args, 'bootstrap')
    if (!dataDirHoldsNode(layout.hostDataDir) && secretFile == null) {
      if (process.stdin.isTTY !== true) throw new CliError('install: a new install needs --secret-file FILE (the cluster secret) and usually --bootstrap MULTIADDR', 2)
      secretFile = await prompt('Cluster secret file (from `novacron secret new`): ')
      if (bootstrap.length === 0) bootstrap = (await prompt('Bootstrap seed addresses (space separated, empty for none): ')).split(/[\s,]+/).filter(s => s !== '')
    }
    const { labels, api } = readLabelAndApiFlags(args, 'install')
    const listen = list(args, 'listen')
    const json = flag(args, 'json')
    const report = await install({
      layout,
      programHome: programHome(io),
      version: VERSION,
      user: str(args, 'user') ?? DEFAULT_USER,
      role,
      init: secretFile == null
        ? undefined
        : {
            secretFile: resolve(secretFile),
            listen: listen.length > 0 ? listen : undefined,
            announce: list(args, 'announce'),
            api,
            site: str(args, 'site'),
            region: str(args, 'region'),
            zone: str(args, 'zone'),
            labels,
            bootstrap
          },
      start: !flag(args, 'no-start'),
      ops: realSystemOps,
      log: line => { if (!json) io.stdout.write(line + '\n') }
    })
    if (json) writeJson(io, report)
    return 0
  }
}

export const uninstallCommand: Command = {
  name: 'uninstall',
  summary: 'stop and remove the service and the program; keeps the data dir and user unless --purge',
  usage: 'novacron uninstall [--purge] [--data-dir DIR] [--root DIR] [--user NAME]',
  options: {
    purge: { type: 'boolean' },
    'data-dir': { type: 'string' },
    root: { type: 'string' },
    user: { type: 'string' }
  },
  async run (args, io) {
    const root = resolve(str(args, 'root') ?? '/')
    if (root === '/' && process.getuid?.() !== 0) throw new CliError('uninstall: run as root (or use --root DIR)')
    const layout = installLayout(root, absolute('--data-dir', str(args, 'data-dir') ?? DEFAULT_INSTALL_DATA_DIR), DEFAULT_PROGRAM_DIR)
    if (!existsSync(layout.hostUnit) && !existsSync(layout.hostProgramDir) && !(flag(args, 'purge') && existsSync(layout.hostDataDir))) {
      throw new CliError(`uninstall: nothing installed under ${join(root, DEFAULT_PROGRAM_DIR)}`)
    }
    const { uninstall, realSystemOps } = await installer()
    await uninstall({ layout, user: str(args, 'user') ?? DEFAULT_USER, purge: flag(args, 'purge'), ops: realSystemOps, log: line => { io.stdout.write(line + '\n') } })
    return 0
  }
}
