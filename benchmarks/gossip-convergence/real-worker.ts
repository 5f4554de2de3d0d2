import { join } from 'node:path'
import { Writable } from 'node:stream'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { NovacronNode } from '../../node/novacron-node.js'
import { initDataDir } from '../../src/config/init-data-dir.js'
import { loadConfig, saveConfig } from '../../src/config/load.js'
import { STATE_TOPIC } from '../../src/membership/constants.js'

/**
 * One process of the real-node benchmark: runs `count` NovaCron nodes and answers the orchestrator
 * (real-nodes.ts) over IPC. Times are wall-clock epoch milliseconds with sub-ms precision
 * (performance.timeOrigin + performance.now()), comparable across processes on one machine.
 */
type Request =
  | { id: number, cmd: 'start', dir: string, secretFile: string, first: number, count: number, seeds: string[], membership?: Record<string, number> }
  | { id: number, cmd: 'views' }
  | { id: number, cmd: 'counters' }
  | { id: number, cmd: 'watch', originId: string, tag: string }
  | { id: number, cmd: 'collect' }
  | { id: number, cmd: 'change', index: number, tag: string }
  | { id: number, cmd: 'loop', enable: boolean }
  | { id: number, cmd: 'stop' }

const MEMBERSHIP_PROTOCOLS = ['/meshsub/', '/novacron/probe/', '/novacron/state-sync/']
const nodes: NovacronNode[] = []
const now = (): number => performance.timeOrigin + performance.now()
let seen: number[] = []
let offs: Array<() => void> = []
const loop = monitorEventLoopDelay({ resolution: 10 })

async function handle (req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'start': {
      const silent = new Writable({ write (_c, _e, cb) { cb() } })
      for (let i = req.first; i < req.first + req.count; i++) {
        const dataDir = join(req.dir, `n${i}`)
        const seeds = req.seeds.length > 0 ? req.seeds : nodes.slice(0, 2).map(n => n.components.mesh.addresses()[0] ?? '')
        await initDataDir({ dataDir, secretFile: req.secretFile, listen: ['/ip4/127.0.0.1/tcp/0'], api: { host: '127.0.0.1', port: 0 }, site: `site-${i % 4}`, bootstrap: seeds })
        if (req.membership != null) {
          const config = await loadConfig(dataDir)
          config.sections.membership = { ...(config.sections.membership as object), ...req.membership }
          await saveConfig(dataDir, config)
        }
        const node = await NovacronNode.open({ dataDir, role: 'node', out: silent })
        await node.start()
        nodes.push(node)
      }
      return { ids: nodes.map(n => n.components.identity.peerId.toString()), addresses: nodes.map(n => n.components.mesh.addresses()[0] ?? '') }
    }
    case 'views':
      return nodes.map(n => {
        const ps = n.components.mesh.libp2p.services.pubsub
        return {
          members: n.membership.view.size,
          alive: n.membership.view.all().filter(m => m.liveness === 'alive').length,
          connections: n.components.mesh.connectionCount(),
          topicPeers: ps.getSubscribers(STATE_TOPIC).length
        }
      })
    case 'counters': {
      let all = 0
      let membership = 0
      const byProtocol: Record<string, number> = {}
      const suspicion: Record<string, number> = {}
      for (const n of nodes) {
        const metric = n.components.registry.getSingleMetric('libp2p_data_transfer_bytes_total')
        for (const v of metric != null ? (await metric.get()).values : []) {
          const k = String(v.labels.protocol)
          byProtocol[k] = (byProtocol[k] ?? 0) + v.value
          if (k.startsWith('global')) all += v.value
          else if (MEMBERSHIP_PROTOCOLS.some(p => k.startsWith(p))) membership += v.value
        }
        for (const v of (await n.membership.metrics.suspicion.get()).values) {
          const k = String(v.labels.event)
          suspicion[k] = (suspicion[k] ?? 0) + v.value
        }
      }
      return { all, membership, byProtocol, suspicion }
    }
    case 'watch': {
      for (const off of offs) off()
      seen = []
      offs = nodes.filter(n => n.components.identity.peerId.toString() !== req.originId).map(o => {
        let done = false
        const fn = (): void => {
          if (!done && o.membership.view.get(req.originId)?.record.state.vms[0]?.name === req.tag) {
            done = true
            seen.push(now())
          }
        }
        o.membership.events.addEventListener('change', fn)
        return () => { o.membership.events.removeEventListener('change', fn) }
      })
      return { watchers: offs.length }
    }
    case 'collect':
      return { seen }
    case 'change': {
      const t0 = now()
      nodes[req.index]?.membership.setVms([{ name: req.tag, state: 'running', vcpus: 1, memoryBytes: 512 * 2 ** 20, diskBytes: 2 ** 30, gpus: 0 }])
      return { t0 }
    }
    case 'loop':
      if (req.enable) {
        loop.reset()
        loop.enable()
        return {}
      }
      loop.disable()
      for (const off of offs) off()
      return { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 }
    case 'stop':
      await Promise.allSettled(nodes.map(async n => { await n.stop() }))
      setImmediate(() => { process.disconnect() })
      return {}
  }
}

process.on('message', (req: Request) => {
  handle(req).then(result => { process.send?.({ id: req.id, result }) }, (err: Error) => { process.send?.({ id: req.id, error: err.message }) })
})
