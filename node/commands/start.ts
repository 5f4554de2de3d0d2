import type { NodeRole } from '../../src/mesh/mesh.js'
import { dataDirOf } from '../api-client.js'
import type { Command } from '../cli-kit.js'

/** How long a stop may take before the process gives up waiting and exits anyway. */
const STOP_DEADLINE_MS = 8000

function startCommand (role: NodeRole): Command {
  return {
    name: `${role} start`,
    summary: role === 'node'
      ? 'run a node in the foreground (JSON logs on stdout; SIGTERM/SIGINT stop it)'
      : 'run a bootstrap seed server in the foreground: DHT server and gossip relay, no hypervisor',
    usage: `novacron ${role} start [--data-dir DIR]`,
    options: { 'data-dir': { type: 'string' } },
    async run (args, io) {
      // loaded here, not at the top: client commands should not pay for loading libp2p and every service
      const { NovacronNode } = await import('../novacron-node.js')
      const node = await NovacronNode.open({ dataDir: dataDirOf(args, io), role, out: io.stdout })
      try {
        await node.start()
      } catch (err) {
        await node.stop().catch(() => {})
        throw err
      }
      const signal = await io.stopSignal
      node.components.logger.info('stopping', { signal })
      const deadline = setTimeout(() => {
        node.components.logger.error('stop took too long; exiting anyway', { deadlineMs: STOP_DEADLINE_MS })
        process.exit(1)
      }, STOP_DEADLINE_MS)
      deadline.unref()
      await node.stop()
      return 0
    }
  }
}

export const nodeStartCommand = startCommand('node')
export const bootstrapStartCommand = startCommand('bootstrap')
