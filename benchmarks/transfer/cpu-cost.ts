/**
 * CPU cost of moving chunks, both ends in one process on loopback (so CPU time, not wall time, is the figure:
 * it holds on a loaded machine). Baseline, same run: the same bytes over one raw libp2p stream (noise + yamux).
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/transfer/cpu-cost.js [--mib 64] [--chunk-kib 16] [--only raw,memory,real,store]
 *
 * `--only` runs some rows (for a CPU profile of one of them) and writes nothing.
 *
 * Writes cpu-results.json and cpu-results.md here.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { SwarmService, type SwarmImages } from '../../src/images/swarm/swarm-service.js'
import { ChunkStore } from '../../src/images/store/chunk-store.js'
import { openDatabase, type Database } from '../../src/storage/database.js'
import type { ChunkStoreView, Manifest } from '../../src/images/types.js'
import { MemoryChunkStore } from '../../test/helpers/swarm-fixtures.js'

const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/transfer/', import.meta.url))
const { values } = parseArgs({ options: { mib: { type: 'string', default: '64' }, 'chunk-kib': { type: 'string', default: '8' }, only: { type: 'string' } }, strict: true })
const CHUNK = Number(values['chunk-kib']) * 1024
const COUNT = Math.floor(Number(values.mib) * 1024 * 1024 / CHUNK)
const BYTES = COUNT * CHUNK
const secret = randomBytes(32)

interface Measured { name: string, wallS: number, cpuS: number, cpuMsPerMB: number, MBps: number }

async function measure (name: string, fn: () => Promise<void>): Promise<Measured> {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  await fn()
  const c = process.cpuUsage(c0)
  const wallS = (performance.now() - t0) / 1000
  const cpuS = (c.user + c.system) / 1e6
  const m = { name, wallS: Math.round(wallS * 100) / 100, cpuS: Math.round(cpuS * 100) / 100, cpuMsPerMB: Math.round(cpuS * 1000 / (BYTES / 1e6) * 10) / 10, MBps: Math.round(BYTES / 1e6 / wallS * 10) / 10 }
  process.stderr.write(`${JSON.stringify(m)}\n`)
  return m
}

async function libp2pNode (): Promise<MeshLibp2p> {
  const n = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret, listen: ['/ip4/127.0.0.1/tcp/0'] })
  await n.start()
  return n
}

function imagesOf (manifests: Manifest[]): SwarmImages {
  return {
    find: async (n, v) => manifests.find(m => m.name === n && (v == null || m.version === v)),
    list: async () => manifests,
    addPulled: async m => { manifests.push(m) },
    verify: async () => true
  }
}

async function swarmPull (name: string, mkStore: () => Promise<{ store: ChunkStoreView & { putHashed?: ChunkStore['putHashed'] }, close: () => Promise<void> }>, chunks: Array<{ id: string, bytes: Uint8Array }>): Promise<Measured> {
  const a = await mkStore()
  const b = await mkStore()
  const [la, lb] = [await libp2pNode(), await libp2pNode()]
  const seeded: Manifest[] = []
  const pulled: Manifest[] = []
  const put = (s: typeof a.store) => s.putHashed != null ? async (c: Array<{ id: string, bytes: Uint8Array }>) => await s.putHashed!(c) : undefined
  const sa = new SwarmService({ libp2p: la, store: a.store, images: imagesOf(seeded), putVerified: put(a.store) })
  const sb = new SwarmService({ libp2p: lb, store: b.store, images: imagesOf(pulled), putVerified: put(b.store), lookupTimeoutMs: 2_000 })
  await sa.start()
  await sb.start()
  for (let i = 0; i < chunks.length; i += 64) {
    const batch = chunks.slice(i, i + 64)
    if (a.store.putHashed != null) await a.store.putHashed(batch)
    else for (const c of batch) await a.store.put(c.id, c.bytes)
  }
  seeded.push({ name: 'bench', version: '1', size: BYTES, chunks: chunks.map(c => ({ id: c.id, size: CHUNK })), author: 'x', createdAt: 1, signature: new Uint8Array([1]) })
  await lb.dial(la.getMultiaddrs()[0]!)
  try {
    return await measure(name, async () => { await sb.pull('bench@1').done })
  } finally {
    await sb.stop()
    await sa.stop()
    await la.stop()
    await lb.stop()
    await a.close()
    await b.close()
  }
}

async function rawStream (): Promise<Measured> {
  const [la, lb] = [await libp2pNode(), await libp2pNode()]
  let received = 0
  const done = Promise.withResolvers<void>()
  await la.handle('/bench/raw/1.0.0', stream => {
    stream.addEventListener('message', evt => {
      received += evt.data.byteLength
      if (received >= BYTES) done.resolve()
    })
  })
  const payload = randomBytes(64 * 1024)
  try {
    return await measure('raw libp2p stream (noise + yamux), 64 KiB writes', async () => {
      const s = await lb.dialProtocol(la.getMultiaddrs()[0]!, '/bench/raw/1.0.0')
      for (let sent = 0; sent < BYTES; sent += payload.length) if (!s.send(payload)) await s.onDrain()
      await done.promise
      await s.close()
    })
  } finally {
    await la.stop()
    await lb.stop()
  }
}

async function main (): Promise<void> {
  const chunks = Array.from({ length: COUNT }, () => {
    const bytes = randomBytes(CHUNK)
    return { id: createHash('sha256').update(bytes).digest('hex'), bytes }
  })
  const dirs: string[] = []
  const realStore = async (): Promise<{ store: ChunkStore, close: () => Promise<void> }> => {
    const dir = await mkdtemp(join(tmpdir(), 'novacron-cpu-'))
    dirs.push(dir)
    const db: Database = await openDatabase(dir)
    return { store: await ChunkStore.open({ dataDir: dir, db }), close: async () => { await db.close() } }
  }
  const rows: Measured[] = []
  const only = values.only?.split(',')
  const wanted = (row: string): boolean => only == null || only.includes(row)
  try {
    if (wanted('raw')) rows.push(await rawStream())
    if (wanted('memory')) rows.push(await swarmPull('chunk swarm pull, in-memory stores (protocol cost)', async () => ({ store: new MemoryChunkStore(), close: async () => {} }), chunks))
    if (wanted('real')) rows.push(await swarmPull('chunk swarm pull, real chunk stores (pack files + LevelDB index)', realStore, chunks))
    if (wanted('store')) {
      const { store, close } = await realStore()
      rows.push(await measure('chunk store alone: putHashed (batches of 128) then getMany (512 at a time) of every chunk', async () => {
        for (let i = 0; i < chunks.length; i += 128) await store.putHashed(chunks.slice(i, i + 128))
        for (let i = 0; i < chunks.length; i += 512) await store.getMany(chunks.slice(i, i + 512).map(c => c.id))
      }))
      await close()
    }
  } finally {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  }
  if (only != null) process.exit(0)
  const meta = { date: new Date().toISOString(), bytes: BYTES, chunkBytes: CHUNK, chunks: COUNT, note: 'both ends in one process: cpuS is sender + receiver' }
  const base = rows[0]!.cpuMsPerMB
  const md = ['# Chunk transfer CPU cost', '', `${(BYTES / 1e6).toFixed(0)} MB in ${COUNT} chunks of ${CHUNK / 1024} KiB, both ends in one process on loopback (${meta.date}).`, '',
    '| what | wall s | CPU s | CPU ms/MB | × raw stream CPU | MB/s (wall, noisy) |', '|---|---|---|---|---|---|',
    ...rows.map(r => `| ${r.name} | ${r.wallS} | ${r.cpuS} | ${r.cpuMsPerMB} | ${(r.cpuMsPerMB / base).toFixed(2)} | ${r.MBps} |`), '']
  await writeFile(join(OUT_DIR, 'cpu-results.json'), JSON.stringify({ meta, rows }, null, 2) + '\n')
  await writeFile(join(OUT_DIR, 'cpu-results.md'), md.join('\n'))
  process.stdout.write(md.join('\n'))
  process.exit(0)
}

await main()
