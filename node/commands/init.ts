import { readLabelAndApiFlags } from './node-identity-flags.js'
import { CliError, flag, list, str, writeJson, type Command } from '../cli-kit.js'

export const initCommand: Command = {
  name: 'init',
  summary: 'create a data dir: peer key, config, API token, cluster secret',
  usage: 'novacron init --data-dir DIR --secret-file FILE [--listen MULTIADDR]... [--announce MULTIADDR]... [--api HOST:PORT] [--site NAME] [--region NAME] [--zone NAME] [--label KEY=VALUE]... [--bootstrap MULTIADDR]... [--json]',
  options: {
    'data-dir': { type: 'string' },
    'secret-file': { type: 'string' },
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    api: { type: 'string' },
    site: { type: 'string' },
    region: { type: 'string' },
    zone: { type: 'string' },
    label: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    json: { type: 'boolean' }
  },
  async run (args, io) {
    const dataDir = str(args, 'data-dir')
    const secretFile = str(args, 'secret-file')
    if (dataDir == null) throw new CliError('init: --data-dir is required', 2)
    if (secretFile == null) throw new CliError('init: --secret-file is required (create one with `novacron secret new --out FILE`)', 2)
    const { labels, api } = readLabelAndApiFlags(args, 'init')
    const listen = list(args, 'listen')
    // loaded here: the peer-key and config code is not what other commands should pay for at start
    const { initDataDir } = await import('../../src/config/init-data-dir.js')
    const result = await initDataDir({
      dataDir,
      secretFile,
      listen: listen.length > 0 ? listen : undefined,
      announce: list(args, 'announce'),
      api,
      site: str(args, 'site'),
      region: str(args, 'region'),
      zone: str(args, 'zone'),
      labels,
      bootstrap: list(args, 'bootstrap')
    })
    if (flag(args, 'json')) {
      writeJson(io, { dataDir: result.dataDir, peerId: result.peerId, listen: result.config.listen, api: result.config.api })
    } else {
      io.stdout.write(`initialised ${result.dataDir}\npeer ID ${result.peerId}\n`)
      for (const l of result.config.listen) io.stdout.write(`listens on ${l}/p2p/${result.peerId}\n`)
    }
    return 0
  }
}
