import { writeFile } from 'node:fs/promises'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_SUSPECT_TIMEOUT_MS, GOSSIP_WIRE_OVERHEAD_BYTES } from '../../src/membership/constants.js'
import { signRecord } from '../../src/membership/record.js'
import { runReal, type RealRun } from './real-nodes.js'
import { simulate, type SimResult } from './simulate.js'

const { values } = parseArgs({
  options: {
    real: { type: 'string', default: '8,16,32' },
    sim: { type: 'string', default: '1000,10000' },
    trials: { type: 'string', default: '30' },
    'window-s': { type: 'string', default: '20' },
    processes: { type: 'string', default: '4' },
    /** Extra real runs with a relaxed failure detector, e.g. 32 (probe timeout 2 s, interval 4 s, suspect 10 s). */
    'relaxed-real': { type: 'string', default: '' },
    out: { type: 'string' }
  }
})
const list = (s: string | undefined): number[] => (s ?? '').split(',').map(Number).filter(n => Number.isInteger(n) && n > 1)
const trials = Number(values.trials)
const windowS = Number(values['window-s'])
const outDir = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'benchmarks', 'gossip-convergence')
const log = (s: string): void => { console.log(s) }

/** Serf's published convergence model (hashicorp/serf website/source/javascripts/simulator.js, defaults: 0.2 s interval, fanout 3, 1400-byte packets): seconds to 99.99 %. */
function serfModel (nodes: number): { convergenceS: number, bytesPerNodePerS: number } {
  const interval = 0.2
  const fanout = 3
  let round = 0
  for (; round < 100; round++) {
    const infected = nodes / (1 + (nodes + 1) * Math.exp(-fanout / nodes * nodes * round))
    if (infected / nodes >= 0.9999) break
  }
  return { convergenceS: Math.round(round * interval * 100) / 100, bytesPerNodePerS: 1400 * fanout / interval * 2 }
}

// a representative record: 4 labels, no VMs, one GPU-less inventory, two addresses
const key = await generateKeyPair('Ed25519')
const sample = await signRecord({
  peerId: peerIdFromPrivateKey(key).toString(), bootEpoch: 12, seq: 3456, issuedAtMs: Date.now(), role: 'node', site: 'edge-site-042', region: 'eu-west', zone: 'rack-7',
  labels: { tier: 'gold', hw: 'r640', owner: 'ops', env: 'prod' },
  resources: { cpuCores: 32, load: 3.75, memoryTotal: 256 * 2 ** 30, memoryFree: 97 * 2 ** 30, diskTotal: 4 * 2 ** 40, diskFree: 2.5 * 2 ** 40, gpus: [] },
  vms: [], addresses: ['/ip4/10.20.30.40/tcp/4001', '/ip6/fd00::1234/tcp/4001'], version: '0.1.0'
}, key)
log(`representative signed record: ${sample.size} bytes (+${GOSSIP_WIRE_OVERHEAD_BYTES} gossipsub/yamux/noise framing)`)

const RELAXED = { probeIntervalMs: 4000, probeTimeoutMs: 2000, suspectTimeoutMs: 10_000 }
const real: RealRun[] = []
const realRuns = [...list(values.real).map(n => ({ n, membership: undefined })), ...list(values['relaxed-real']).map(n => ({ n, membership: RELAXED }))]
for (const { n, membership } of realRuns) {
  log(`real nodes: ${n}${membership != null ? ' (relaxed failure detector)' : ''}`)
  const r = await runReal(n, { processes: Number(values.processes), trials, windowS, trialGapMs: 300, membership, log })
  log(`  p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, steady ${r.steady.allBytesPerNodePerS} B/s/node (membership ${r.steady.membershipBytesPerNodePerS}); event loop p99 ${r.eventLoopDelayMs.p99} ms, load ${r.loadAverage1m}, suspicion events ${JSON.stringify(r.suspicionEvents)}`)
  real.push(r)
}

const sims: Array<SimResult & { serf: ReturnType<typeof serfModel> }> = []
for (const n of list(values.sim)) {
  log(`simulated nodes: ${n}`)
  const s = simulate({
    nodes: n, latencyMs: [5, 40], uplinkBytesPerS: 12.5e6, processMs: 0.3,
    recordBytes: sample.size, recordWireBytes: sample.size + GOSSIP_WIRE_OVERHEAD_BYTES, suspicionWireBytes: 60 + GOSSIP_WIRE_OVERHEAD_BYTES, probeWireBytes: 150,
    meshDegree: 6, trials: Math.min(trials, 20), windowS, seed: 42
  })
  log(`  p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ${s.bytesPerNodePerS.total} B/s/node, dead everywhere after ${s.failure.allDeadMs} ms (${s.wallS} s wall)`)
  sims.push({ ...s, serf: serfModel(n) })
}

const results = {
  date: new Date().toISOString(),
  machine: `shared 2-core development VM; real nodes in ${values.processes} Node 24 worker processes`,
  recordBytes: sample.size,
  real: real.map(r => ({ ...r, serf: serfModel(r.nodes), p99VsTarget1s: Math.round(r.p99Ms / 1000 * 1000) / 1000 })),
  simulated: sims
}
await writeFile(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n')

const ms = (x: number): string => Number.isFinite(x) ? `${x}` : 'did not converge'
const kb = (x: number): string => (x / 1024).toFixed(1)
const md = [
  '# gossip-convergence results',
  '',
  `Run ${results.date} on ${results.machine}. Signed record: ${sample.size} bytes.`,
  '',
  '## Real nodes (libp2p on 127.0.0.1, spread over the worker processes)',
  '',
  '| nodes | failure detector | trials | p50 ms | p99 ms | p99 / 1 s target | Serf model to 99.99 % (s) | p99 / Serf | steady KiB/s/node all libp2p | of which membership | KiB/s/node while changing every ~0.3 s | event-loop delay p99 ms | machine load (1 min) | false suspicions (suspect/refuted) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.real.map(r => `| ${r.nodes} | ${r.membership != null ? 'relaxed (probe 4 s / timeout 2 s, suspect 10 s)' : `default (probe ${DEFAULT_PROBE_INTERVAL_MS / 1000} s / timeout ${DEFAULT_PROBE_TIMEOUT_MS / 1000} s, suspect ${DEFAULT_SUSPECT_TIMEOUT_MS / 1000} s)`} | ${r.trials} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${r.p99VsTarget1s} | ${r.serf.convergenceS} | ${(r.p99Ms / 1000 / r.serf.convergenceS).toFixed(3)} | ${kb(r.steady.allBytesPerNodePerS)} | ${kb(r.steady.membershipBytesPerNodePerS)} | ${kb(r.underChanges.allBytesPerNodePerS)} | ${r.eventLoopDelayMs.p99} | ${r.loadAverage1m} | ${r.suspicionEvents.suspect ?? 0}/${r.suspicionEvents.refuted ?? 0} |`),
  '',
  '## Simulated (same ClusterView merge/suspicion code, simulated network: 5–40 ms links, 100 Mbit/s uplinks, 0.3 ms per message)',
  '',
  '| nodes | p50 ms | p99 ms | direct-broadcast baseline p99 ms | p99 / baseline | Serf model (s) | p99 / Serf | KiB/s/node total (gossip + IHAVE est. + probes + anti-entropy) | all-to-all 10 s heartbeat baseline KiB/s | ratio | msgs/node/s | heartbeat s | sync s | dead everywhere after kill, ms |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...sims.map(s => `| ${s.nodes} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${s.broadcastBaseline.p99Ms} | ${(s.p99Ms / s.broadcastBaseline.p99Ms).toFixed(2)} | ${s.serf.convergenceS} | ${(s.p99Ms / 1000 / s.serf.convergenceS).toFixed(3)} | ${kb(s.bytesPerNodePerS.total)} (${kb(s.bytesPerNodePerS.gossip)} + ${kb(s.bytesPerNodePerS.ihaveEstimate)} + ${kb(s.bytesPerNodePerS.probes)} + ${kb(s.bytesPerNodePerS.antiEntropy)}) | ${kb(s.allToAllBytesPerNodePerS)} | ${(s.bytesPerNodePerS.total / s.allToAllBytesPerNodePerS).toFixed(3)} | ${s.messagesPerNodePerS} | ${s.heartbeatIntervalS} | ${s.syncIntervalS} | ${s.failure.allDeadMs} (first suspect ${s.failure.firstSuspectMs}) |`),
  '',
  'Serf figures are computed from Serf\'s own published convergence model (its website simulator, defaults 0.2 s gossip',
  'interval, fanout 3, 1400-byte packets: ' + `${kb(serfModel(2).bytesPerNodePerS)} KiB/s/node` + '), not measured here.',
  ''
].join('\n')
await writeFile(join(outDir, 'results.md'), md)
log(md)
