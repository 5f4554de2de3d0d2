/**
 * Peer store cost: process CPU of stream opens and DHT lookups between in-process mesh nodes whose peer store and
 * DHT records live in LevelDB (as in a real node's `<data dir>/peers`), with the datastore read cache off (libp2p
 * straight on LevelDB, the baseline) and on, with and without lean merges, measured alternately in the same run.
 * Also counts the operations that reach LevelDB.
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/peer-store/run.js [--streams 500] [--lookups 100] [--merges 2000] [--rounds 4]
 *
 * Writes benchmarks/peer-store/results.json and results.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import type { Datastore } from 'interface-datastore'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { DatastoreReadCache } from '../../src/mesh/datastore-read-cache.js'
import { skipTimestampOnlyPeerWrites } from '../../src/mesh/peer-record-timestamp.js'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { waitFor } from '../../test/helpers/wait-for.js'
import { median } from '../lib/median.js'

const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/peer-store/', import.meta.url))
const { values } = parseArgs({ options: { streams: { type: 'string', default: '500' }, lookups: { type: 'string', default: '100' }, merges: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '4' } }, strict: true })
const STREAMS = Number(values.streams)
const LOOKUPS = Number(values.lookups)
const MERGES = Number(values.merges)
const ROUNDS = Number(values.rounds)
/** A protocol whose handler only closes the stream: what is measured is opening it. */
const OPEN_PROTOCOL = '/novacron-bench/open/1.0.0'

type Op = 'get' | 'has' | 'put' | 'delete' | 'query'
/** LevelDB with a count of the calls that reach it. */
function counted (store: LevelDatastore, counts: Record<Op, number>): Datastore {
  return new Proxy(store, {
    get (target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (prop in counts) counts[prop as Op]++
        return value.apply(target, args)
      }
    }
  })
}

/**
 * off: libp2p straight on LevelDB; reads: the read cache alone; reads+skip: and timestamp-only peer writes skipped;
 * reads+skip+lean: and merges that change nothing answered from memory (lean-peer-merges.ts), as createMeshLibp2p builds it.
 */
type Mode = 'off' | 'reads' | 'reads+skip' | 'reads+skip+lean'
const MODES: Mode[] = ['off', 'reads', 'reads+skip', 'reads+skip+lean']
const LABELS: Record<Mode, string> = {
  off: 'LevelDB directly (the first baseline)',
  reads: 'read cache only',
  'reads+skip': 'read cache + timestamp-only peer writes skipped (before)',
  'reads+skip+lean': '+ merges that change nothing answered from memory (now)'
}

function wrap (mode: Mode, store: Datastore): Datastore {
  if (mode === 'off') return store
  return new DatastoreReadCache(store, mode !== 'reads' ? { skipPut: skipTimestampOnlyPeerWrites() } : {})
}

interface Sample { mode: Mode, streams: number, lookups: number, merges: number, streamCpuMs: number, lookupCpuMs: number, streamWallMs: number, lookupWallMs: number, mergeCpuMs: number, getCpuMs: number, leveldb: Record<Op, number> }

const cpuMs = (since: NodeJS.CpuUsage): number => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000 }

async function measure (mode: Mode, dir: string): Promise<Sample> {
  const secret = generateSecret()
  const counts: Record<Op, number> = { get: 0, has: 0, put: 0, delete: 0, query: 0 }
  const stores: LevelDatastore[] = []
  const nodes: MeshLibp2p[] = []
  try {
    for (const name of ['seed', 'a', 'b']) {
      const store = new LevelDatastore(join(dir, `${mode}-${name}`))
      await store.open()
      stores.push(store)
      const node = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret, listen: ['/ip4/127.0.0.1/tcp/0'], datastore: wrap(mode, counted(store, counts)), datastoreReadCache: false, leanPeerMerges: mode === 'reads+skip+lean' })
      await node.start()
      await node.handle(OPEN_PROTOCOL, async (stream) => { await stream.close() }, { maxInboundStreams: STREAMS + 1, maxOutboundStreams: STREAMS + 1 })
      nodes.push(node)
    }
    const [seed, a, b] = nodes as [MeshLibp2p, MeshLibp2p, MeshLibp2p]
    await a.dial(multiaddr(seed.getMultiaddrs()[0]!))
    await b.dial(multiaddr(seed.getMultiaddrs()[0]!))
    const identified = async (node: MeshLibp2p, peer: MeshLibp2p): Promise<boolean> => (await node.peerStore.get(peer.peerId)).protocols.length > 0
    await waitFor(async () => await identified(seed, a) && await identified(seed, b) && await identified(a, seed) && await identified(b, seed), { what: 'identify' })
    // settle identify and the first DHT self-queries before counting
    await new Promise(resolve => setTimeout(resolve, 1000))
    for (const k of Object.keys(counts) as Op[]) counts[k] = 0

    let wall = performance.now()
    let cpu = process.cpuUsage()
    for (let i = 0; i < STREAMS; i++) {
      const stream = await a.dialProtocol(seed.peerId, OPEN_PROTOCOL, { maxOutboundStreams: STREAMS + 1 })
      await stream.close()
    }
    const streamCpuMs = cpuMs(cpu)
    const streamWallMs = performance.now() - wall

    wall = performance.now()
    cpu = process.cpuUsage()
    const target = b.peerId.toMultihash().bytes
    for (let i = 0; i < LOOKUPS; i++) {
      for await (const _ of a.services.dht.getClosestPeers(target)) { /* drain */ }
    }
    const lookupCpuMs = cpuMs(cpu)
    const lookupWallMs = performance.now() - wall
    const leveldb = { ...counts }

    // the peer store alone: what connection.js does on every stream (merge a protocol the peer already has), and a get
    cpu = process.cpuUsage()
    for (let i = 0; i < MERGES; i++) await a.peerStore.merge(seed.peerId, { protocols: [OPEN_PROTOCOL] })
    const mergeCpuMs = cpuMs(cpu)
    cpu = process.cpuUsage()
    for (let i = 0; i < MERGES; i++) await a.peerStore.get(seed.peerId)
    const getCpuMs = cpuMs(cpu)
    return { mode, streams: STREAMS, lookups: LOOKUPS, merges: MERGES, streamCpuMs, lookupCpuMs, streamWallMs, lookupWallMs, mergeCpuMs, getCpuMs, leveldb }
  } finally {
    await Promise.all(nodes.map(async n => { await n.stop() }))
    await Promise.all(stores.map(async s => { await s.close() }))
  }
}

const dir = await mkdtemp(join(tmpdir(), 'novacron-peer-store-'))
const samples: Sample[] = []
try {
  // warm-up (JIT), not recorded
  for (const mode of MODES) await measure(mode, join(dir, 'warm-up'))
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
      const s = await measure(mode, join(dir, String(round)))
      samples.push(s)
      console.log(JSON.stringify(s))
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}

const summary = MODES.map(mode => {
  const of = samples.filter(s => s.mode === mode)
  const leveldb = (op: Op): number => median(of.map(s => s.leveldb[op]))
  return {
    mode,
    streamCpuMsPerOpen: median(of.map(s => s.streamCpuMs / s.streams)),
    lookupCpuMsEach: median(of.map(s => s.lookupCpuMs / s.lookups)),
    mergeCpuUsEach: median(of.map(s => s.mergeCpuMs * 1000 / s.merges)),
    getCpuUsEach: median(of.map(s => s.getCpuMs * 1000 / s.merges)),
    leveldbGets: leveldb('get') + leveldb('has'),
    leveldbPuts: leveldb('put')
  }
})
const results = { date: new Date().toISOString(), node: process.version, streams: STREAMS, lookups: LOOKUPS, merges: MERGES, rounds: ROUNDS, summary, samples }
await writeFile(join(OUT_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n')
const fmt = (x: number): string => x.toFixed(3)
const md = [
  '# Peer store cost',
  '',
  `${STREAMS} stream opens (a → seed), then ${LOOKUPS} DHT getClosestPeers lookups (a, for b), then ${MERGES} peerStore.merge of a protocol the peer already has and ${MERGES} peerStore.get (a, of seed), between three in-process nodes on loopback, each with its peer store in its own LevelDB; both ends' CPU (one process), after a warm-up round, median of ${ROUNDS} rounds, modes interleaved (${results.date}, Node ${process.version}).`,
  '',
  '| datastore | CPU ms per stream open | CPU ms per DHT lookup | CPU µs per merge | CPU µs per get | LevelDB get+has (streams + lookups) | LevelDB put (streams + lookups) |',
  '|---|---|---|---|---|---|---|',
  ...summary.map(s => `| ${LABELS[s.mode]} | ${fmt(s.streamCpuMsPerOpen)} | ${fmt(s.lookupCpuMsEach)} | ${s.mergeCpuUsEach.toFixed(0)} | ${s.getCpuUsEach.toFixed(0)} | ${s.leveldbGets} | ${s.leveldbPuts} |`),
  ''
].join('\n')
await writeFile(join(OUT_DIR, 'results.md'), md)
console.log(md)
