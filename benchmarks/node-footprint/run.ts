/**
 * Node footprint: start-up time to first peer, idle RSS of a node and of a bootstrap seed, RSS of a node
 * with 30 connected peers; baseline: a bare Node 24 process, measured in the same run.
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/node-footprint/run.js [--runs 3] [--idle-s 10]
 *
 * Writes benchmarks/node-footprint/results.json and results.md.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { TestCluster, type NovacronProcess } from '../../test/helpers/cluster.js'
import { meshNode } from '../../test/helpers/mesh-nodes.js'
import { readSecret } from '../../src/secret/cluster-secret.js'
import { waitFor } from '../../test/helpers/wait-for.js'
import type { Mesh } from '../../src/mesh/mesh.js'
import { median } from '../lib/median.js'

const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/node-footprint/', import.meta.url))
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'idle-s': { type: 'string', default: '10' } }, strict: true })
const RUNS = Number(values.runs)
const IDLE_MS = Number(values['idle-s']) * 1000
const MiB = 1024 * 1024

function rssOf (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1])
  return kb * 1024
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function bareNodeRss (): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  await sleep(1500)
  const rss = rssOf(child.pid!)
  child.kill('SIGKILL')
  return rss
}

/** Spawn → first "peer connected" log line of the new node. */
async function startupToFirstPeer (node: NovacronProcess): Promise<number> {
  const t0 = performance.now()
  void node.start()
  return await waitFor(() => node.logs.includes('"msg":"peer connected"') ? performance.now() - t0 : 0, { timeoutMs: 60_000, intervalMs: 5, what: 'first peer' })
}

const rows: Record<string, number[]> = { bareRss: [], startupMs: [], nodeIdleRss: [], seedIdleRss: [], node30Rss: [], seed30Rss: [] }
for (let run = 0; run < RUNS; run++) {
  rows.bareRss!.push(await bareNodeRss())
  const cluster = await TestCluster.create('novacron-bench-')
  const peers: Mesh[] = []
  try {
    const seed = await cluster.init('bootstrap', { name: 'seed' })
    await seed.start()
    const node = await cluster.init('node', { name: 'node', bootstrap: [seed.addr] })
    rows.startupMs!.push(await startupToFirstPeer(node))
    await waitFor(async () => (await node.connectedPeerIds()).has(seed.peerId), { what: 'node API' })
    await sleep(IDLE_MS)
    rows.nodeIdleRss!.push(rssOf(node.child!.pid!))
    rows.seedIdleRss!.push(rssOf(seed.child!.pid!))
    // 30 more members (in this process), all dialling the node and the seed
    const secret = await readSecret(join(seed.dataDir, 'cluster.secret'))
    // staggered: the connection manager accepts at most 20 inbound connections per second from one host
    for (let i = 0; i < 30; i++) {
      peers.push(await meshNode({ secret, bootstrap: [node.addr, seed.addr], connector: false }))
      await sleep(150)
    }
    await waitFor(async () => (await node.connectedPeerIds()).size >= 31, { timeoutMs: 60_000, what: '30 peers on the node' })
    await sleep(IDLE_MS)
    rows.node30Rss!.push(rssOf(node.child!.pid!))
    rows.seed30Rss!.push(rssOf(seed.child!.pid!))
  } finally {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await cluster.destroy()
  }
}

const m = (k: string): number => median(rows[k]!)
const result = {
  date: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  idleSeconds: IDLE_MS / 1000,
  raw: rows,
  medians: {
    bareNodeRssMiB: m('bareRss') / MiB,
    startupToFirstPeerMs: m('startupMs'),
    nodeIdleRssMiB: m('nodeIdleRss') / MiB,
    seedIdleRssMiB: m('seedIdleRss') / MiB,
    node30PeersRssMiB: m('node30Rss') / MiB,
    seed30PeersRssMiB: m('seed30Rss') / MiB
  },
  targetIdleNodeRssMiB: 128
}
const md = [
  `# node-footprint results (${result.date}, Node ${result.node}, ${RUNS} runs, medians)`,
  '',
  '| measure | value | × bare Node 24 process |',
  '|---|---|---|',
  `| bare Node 24 process (baseline) RSS | ${result.medians.bareNodeRssMiB.toFixed(1)} MiB | 1.00 |`,
  `| node idle RSS (1 peer: the seed) | ${result.medians.nodeIdleRssMiB.toFixed(1)} MiB | ${(m('nodeIdleRss') / m('bareRss')).toFixed(2)} |`,
  `| bootstrap seed idle RSS | ${result.medians.seedIdleRssMiB.toFixed(1)} MiB | ${(m('seedIdleRss') / m('bareRss')).toFixed(2)} |`,
  `| node RSS with 31 connected peers | ${result.medians.node30PeersRssMiB.toFixed(1)} MiB | ${(m('node30Rss') / m('bareRss')).toFixed(2)} |`,
  `| seed RSS with 31 connected peers | ${result.medians.seed30PeersRssMiB.toFixed(1)} MiB | ${(m('seed30Rss') / m('bareRss')).toFixed(2)} |`,
  `| start-up (spawn → first peer connected) | ${result.medians.startupToFirstPeerMs.toFixed(0)} ms | |`,
  '',
  `Target: idle node RSS ≤ 128 MiB → ${result.medians.nodeIdleRssMiB <= 128 ? 'met' : 'NOT met'}.`,
  ''
].join('\n')
writeFileSync(join(OUT_DIR, 'results.json'), JSON.stringify(result, null, 2) + '\n')
writeFileSync(join(OUT_DIR, 'results.md'), md)
console.log(md)
