import { dataDirOf } from '../api-client.js'
import { flag, writeJson, type Command } from '../cli-kit.js'

export const idCommand: Command = {
  name: 'id',
  summary: 'print the peer ID and configured addresses of a data dir (no running node needed)',
  usage: 'novacron id [--data-dir DIR] [--json]',
  options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
  async run (args, io) {
    const dataDir = dataDirOf(args, io)
    const [{ loadConfig }, { loadIdentity }] = await Promise.all([import('../../src/config/load.js'), import('../../src/identity/identity.js')])
    const config = await loadConfig(dataDir)
    const { peerId } = await loadIdentity(dataDir)
    const addresses = (config.announce.length > 0 ? config.announce : config.listen).map(a => `${a}/p2p/${peerId.toString()}`)
    if (flag(args, 'json')) writeJson(io, { peerId: peerId.toString(), addresses })
    else io.stdout.write(`${peerId.toString()}\n${addresses.map(a => `  ${a}`).join('\n')}\n`)
    return 0
  }
}
