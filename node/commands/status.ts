import type { StatusBody } from '../../src/api/routes/mesh.js'
import type { FoundPeer, PeerSummary } from '../../src/mesh/mesh.js'
import { ApiClient, CLIENT_OPTIONS } from '../api-client.js'
import { flag, table, writeJson, type Command } from '../cli-kit.js'

export const statusCommand: Command = {
  name: 'status',
  summary: 'show this node: identity, role, site, addresses, connections, uptime',
  usage: 'novacron status [--data-dir DIR | --api URL] [--json]',
  options: CLIENT_OPTIONS,
  async run (args, io) {
    const s = await (await ApiClient.fromArgs(args, io)).get<StatusBody>('/api/v1/status')
    if (flag(args, 'json')) {
      writeJson(io, s)
      return 0
    }
    io.stdout.write([
      `peer ID      ${s.peerId}`,
      `role         ${s.role}`,
      `site         ${s.site}${s.region != null ? ` (region ${s.region})` : ''}`,
      `health       ${s.health}`,
      `connections  ${s.connections} (${s.knownPeers} peers known)`,
      `uptime       ${s.uptimeSeconds} s`,
      `version      ${s.version}`,
      'addresses',
      ...s.addresses.map(a => `  ${a}`)
    ].join('\n') + '\n')
    return 0
  }
}

export const peersCommand: Command = {
  name: 'peers',
  summary: 'list the mesh members this node knows, connected or not, with latency',
  usage: 'novacron peers [--data-dir DIR | --api URL] [--json]',
  options: CLIENT_OPTIONS,
  async run (args, io) {
    const peers = await (await ApiClient.fromArgs(args, io)).get<PeerSummary[]>('/api/v1/peers')
    if (flag(args, 'json')) {
      writeJson(io, peers)
      return 0
    }
    io.stdout.write(table(['PEER', 'ROLE', 'SITE', 'CONNECTED', 'LATENCY'], peers.map(p => [
      p.peerId, p.role ?? '?', p.site ?? '?', p.connected ? 'yes' : 'no', p.latencyMs != null ? `${p.latencyMs} ms` : '-'
    ])))
    return 0
  }
}

export const peersFindCommand: Command = {
  name: 'peers find',
  summary: 'look a peer up through the DHT (it need not be connected)',
  usage: 'novacron peers find PEER_ID [--data-dir DIR | --api URL] [--json]',
  options: CLIENT_OPTIONS,
  positionals: [1, 1],
  async run (args, io) {
    const id = args.positionals[0] ?? ''
    const found = await (await ApiClient.fromArgs(args, io)).get<FoundPeer>(`/api/v1/peers/${encodeURIComponent(id)}/find`)
    if (flag(args, 'json')) {
      writeJson(io, found)
      return 0
    }
    io.stdout.write(`found ${found.peerId} in ${found.durationMs} ms\n${found.addresses.map(a => `  ${a}`).join('\n')}\n`)
    return 0
  }
}
