import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { NovacronNode } from '../../node/novacron-node.js'
import { initDataDir } from '../../src/config/init-data-dir.js'
import { encodeSecret, generateSecret } from '../../src/secret/cluster-secret.js'

/** Figures of one real-node run (one cluster size). */
export interface RealRun {
  nodes: number
  trials: number
  /** Per trial: ms from the state change on one node until every other node holds it. */
  convergenceMs: number[]
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Steady state (heartbeats, probes, anti-entropy; no changes): per node per second. */
  steady: { windowS: number, allBytesPerNodePerS: number, membershipBytesPerNodePerS: number, byProtocol: Record<string, number> }
  /** Bytes per node per second while a change was published every `trialGapMs`. */
  underChanges: { allBytesPerNodePerS: number, membershipBytesPerNodePerS: number }
  setupS: number
  rssMiB: number
  /** Failure-detector events summed over nodes during the measurement (false suspicions under CPU starvation). */
  suspicionEvents: Record<string, number>
  /** Event-loop delay of the one process holding every node, during the measurement, ms. */
  eventLoopDelayMs: { p50: number, p99: number, max: number }
  /** Load average of the machine (1 min) at the end of the measurement. */
  loadAverage1m: number
}

async function suspicionTotals (nodes: NovacronNode[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const n of nodes) {
    for (const v of (await n.membership.metrics.suspicion.get()).values) {
      const k = String(v.labels.event)
      out[k] = (out[k] ?? 0) + v.value
    }
  }
  return out
}

const MEMBERSHIP_PROTOCOLS = ['/meshsub/', '/novacron/probe/', '/novacron/state-sync/']

async function transferBytes (n: NovacronNode): Promise<Map<string, number>> {
  const metric = n.components.registry.getSingleMetric('libp2p_data_transfer_bytes_total')
  const out = new Map<string, number>()
  if (metric == null) return out
  for (const v of (await metric.get()).values) out.set(String(v.labels.protocol), v.value)
  return out
}

async function totals (nodes: NovacronNode[]): Promise<{ all: number, membership: number, byProtocol: Map<string, number> }> {
  let all = 0
  let membership = 0
  const byProtocol = new Map<string, number>()
  for (const n of nodes) {
    for (const [k, v] of await transferBytes(n)) {
      byProtocol.set(k, (byProtocol.get(k) ?? 0) + v)
      if (k.startsWith('global')) all += v
      else if (MEMBERSHIP_PROTOCOLS.some(p => k.startsWith(p))) membership += v
    }
  }
  return { all, membership, byProtocol }
}

function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] ?? NaN
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/**
 * N real NovaCron nodes in this process (real libp2p on 127.0.0.1, real LevelDB, real API), default
 * membership config. Measures convergence of a state change and the bytes the mesh costs.
 */
export async function runReal (nodesWanted: number, opts: { trials: number, windowS: number, trialGapMs: number, log: (s: string) => void }): Promise<RealRun> {
  const dir = await mkdtemp(join(tmpdir(), 'novacron-gossip-bench-'))
  const nodes: NovacronNode[] = []
  const started = Date.now()
  try {
    const secretFile = join(dir, 'cluster.secret')
    await writeFile(secretFile, encodeSecret(generateSecret()), { mode: 0o600 })
    const silent = new Writable({ write (_c, _e, cb) { cb() } })
    for (let i = 0; i < nodesWanted; i++) {
      const dataDir = join(dir, `n${i}`)
      const seeds = nodes.slice(0, 2).map(n => n.components.mesh.addresses()[0] ?? '')
      await initDataDir({ dataDir, secretFile, listen: ['/ip4/127.0.0.1/tcp/0'], api: { host: '127.0.0.1', port: 0 }, site: `site-${i % 4}`, bootstrap: seeds })
      const node = await NovacronNode.open({ dataDir, role: 'node', out: silent })
      await node.start()
      nodes.push(node)
    }
    const ids = nodes.map(n => n.components.identity.peerId.toString())
    const deadline = Date.now() + 180_000
    while (Date.now() < deadline && !nodes.every(o => ids.every(id => o.membership.view.get(id)?.liveness === 'alive'))) await sleep(250)
    if (!nodes.every(o => ids.every(id => o.membership.view.get(id)?.liveness === 'alive'))) throw new Error(`${nodesWanted} nodes did not converge in 180 s`)
    const setupS = (Date.now() - started) / 1000
    opts.log(`  ${nodesWanted} nodes converged in ${setupS.toFixed(1)} s; steady-state window ${opts.windowS} s`)
    await sleep(3000)
    const suspicionBefore = await suspicionTotals(nodes)
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()

    const before = await totals(nodes)
    await sleep(opts.windowS * 1000)
    const after = await totals(nodes)
    const byProtocol: Record<string, number> = {}
    for (const [k, v] of after.byProtocol) byProtocol[k] = Math.round((v - (before.byProtocol.get(k) ?? 0)) / nodesWanted / opts.windowS)
    const steady = {
      windowS: opts.windowS,
      allBytesPerNodePerS: Math.round((after.all - before.all) / nodesWanted / opts.windowS),
      membershipBytesPerNodePerS: Math.round((after.membership - before.membership) / nodesWanted / opts.windowS),
      byProtocol
    }

    const convergenceMs: number[] = []
    const changeStart = await totals(nodes)
    const changeT0 = Date.now()
    for (let t = 0; t < opts.trials; t++) {
      const origin = nodes[Math.floor(Math.random() * nodes.length)] as NovacronNode
      const originId = origin.components.identity.peerId.toString()
      const tag = `trial-${t}-${Math.random().toString(36).slice(2, 8)}`
      const others = nodes.filter(n => n !== origin)
      const seen = new Map<NovacronNode, number>()
      const listeners = others.map(o => {
        const fn = (): void => {
          if (!seen.has(o) && o.membership.view.get(originId)?.record.state.vms[0]?.name === tag) seen.set(o, performance.now())
        }
        o.membership.events.addEventListener('change', fn)
        return () => { o.membership.events.removeEventListener('change', fn) }
      })
      const t0 = performance.now()
      origin.membership.setVms([{ name: tag, state: 'running', vcpus: 1, memoryBytes: 512 * 2 ** 20, diskBytes: 2 ** 30, gpus: 0 }])
      const until = Date.now() + 10_000
      while (seen.size < others.length && Date.now() < until) await sleep(5)
      for (const off of listeners) off()
      if (seen.size < others.length) {
        opts.log(`  trial ${t}: only ${seen.size}/${others.length} nodes saw the change within 10 s`)
        convergenceMs.push(Infinity)
      } else {
        convergenceMs.push(Math.round((Math.max(...seen.values()) - t0) * 10) / 10)
      }
      await sleep(opts.trialGapMs)
    }
    const changeEnd = await totals(nodes)
    const changeS = (Date.now() - changeT0) / 1000
    loop.disable()
    const suspicionAfter = await suspicionTotals(nodes)
    const suspicionEvents: Record<string, number> = {}
    for (const [k, v] of Object.entries(suspicionAfter)) suspicionEvents[k] = v - (suspicionBefore[k] ?? 0)
    const sorted = [...convergenceMs].sort((a, b) => a - b)
    return {
      nodes: nodesWanted,
      trials: opts.trials,
      convergenceMs,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
      steady,
      underChanges: {
        allBytesPerNodePerS: Math.round((changeEnd.all - changeStart.all) / nodesWanted / changeS),
        membershipBytesPerNodePerS: Math.round((changeEnd.membership - changeStart.membership) / nodesWanted / changeS)
      },
      setupS,
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      suspicionEvents,
      eventLoopDelayMs: { p50: Math.round(loop.percentile(50) / 1e6), p99: Math.round(loop.percentile(99) / 1e6), max: Math.round(loop.max / 1e6) },
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100
    }
  } finally {
    await Promise.allSettled(nodes.map(async n => { await n.stop() }))
    await rm(dir, { recursive: true, force: true })
  }
}
