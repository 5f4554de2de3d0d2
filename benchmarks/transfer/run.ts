/**
 * Image transfer benchmark: the four cases of issue 4, each against its baseline in the same run, on a test bed
 * of network namespaces (veth + bridge, tbf-shaped links), with real `novacron` processes on every host.
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/transfer/run.js [--size-mib 1024] [--cases 1,2,3,4]
 *        [--rate-mbit 100] [--receivers 8]
 *
 * Needs root (ip netns, tc), rsync, openssh-server/client, curl, python3. Writes results.json and results.md here.
 */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { execFile } from 'node:child_process'
import { createReadStream, readFileSync } from 'node:fs'
import { NetnsTestbed } from '../../test/testbed/netns-testbed.js'
import { NovacronHosts, type NovacronHost } from '../../test/testbed/novacron-hosts.js'
import { seedImage, newChunkBytes } from '../../test/helpers/image-seed.js'
import { writeRealisticDisk, type WrittenDisk } from '../lib/realistic-disk.js'
import type { TransferProgress } from '../../src/images/swarm/transfer-progress.js'
import type { Manifest } from '../../src/images/types.js'
import { startHttpServer, startSshd, timed, type Timed } from './baselines.js'

const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/transfer/', import.meta.url))
const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '256' },
    cases: { type: 'string', default: '1,2,3,4' },
    'rate-mbit': { type: 'string', default: '100' },
    receivers: { type: 'string', default: '8' },
    'settle-s': { type: 'string', default: '30' }
  },
  strict: true
})
const MiB = 1024 * 1024
const SIZE = Number(values['size-mib']) * MiB
const CASES = new Set(String(values.cases).split(',').map(Number))
const RATE = Number(values['rate-mbit'])
const RECEIVERS = Number(values.receivers)
/** Case 4: seconds every node of a bed has been up before the first pull (a running fleet); 0 = cold start. */
const SETTLE_S = Number(values['settle-s'])
if (!Number.isFinite(SETTLE_S) || SETTLE_S < 0) throw new Error(`--settle-s must be a number of seconds ≥ 0, not ${values['settle-s']}`)

interface CaseResult { name: string, rows: Array<Record<string, string | number | boolean>>, notes: string[] }
const results: CaseResult[] = []
const log = (msg: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`) }
const mbps = (bytes: number, s: number): number => Math.round(bytes / s / 1e6 * 10) / 10
const r2 = (x: number): number => Math.round(x * 100) / 100

async function sha256 (path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

interface Pull extends Timed { progress: TransferProgress, cpuS: number }

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds (pid: number | undefined): number {
  if (pid == null) return 0
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

/** The machine's CPU time (all cores, clock ticks): busy (user, nice, system, irq, softirq, steal) and in all. */
interface CpuTicks { busy: number, total: number }

function machineTicks (): CpuTicks {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
  const busy = user + nice + system + irq + softirq + steal
  return { busy, total: busy + idle + iowait }
}

/** Percent of the machine's CPU (all cores) busy between two machineTicks() readings. */
function busyPercent (a: CpuTicks, b: CpuTicks): number {
  return Math.round(100 * (b.busy - a.busy) / Math.max(1, b.total - a.total))
}

/** Seconds from the node's manifest lookup to its commit: the pull without the CLI process around it. */
function inNodeSeconds (p: Pull): number {
  return r2(((p.progress.finishedAt ?? 0) - p.progress.startedAt) / 1000)
}

async function pull (h: NovacronHost, ref: string, out?: string): Promise<Pull> {
  const rx0 = await h.tb.rxBytes(h.host)
  const c0 = cpuSeconds(h.child?.pid)
  const t0 = performance.now()
  const r = await h.cli(['image', 'pull', ref, '--json', ...(out != null ? ['--out', out] : [])], 1_800_000)
  const seconds = (performance.now() - t0) / 1000
  if (r.code !== 0) throw new Error(`pull ${ref} on h${h.host}: ${r.stderr}\n${h.logs.slice(-3000)}`)
  return { seconds, rxBytes: await h.tb.rxBytes(h.host) - rx0, progress: JSON.parse(r.stdout) as TransferProgress, cpuS: r2(cpuSeconds(h.child?.pid) - c0) }
}

async function withBed<T> (hosts: number, rate: (h: number) => { upMbit?: number, downMbit?: number }, fn: (tb: NetnsTestbed, nh: NovacronHosts) => Promise<T>): Promise<T> {
  const tb = await NetnsTestbed.create(hosts, rate)
  const nh = await NovacronHosts.create(tb)
  try {
    return await fn(tb, nh)
  } finally {
    await tb.destroy()
    await nh.destroy()
  }
}

/**
 * Start nodes for a measured run, after writing back what earlier steps left dirty in the page cache: seeding four
 * seeders writes ~400 MB of packs, and its writeback during the next pull slowed that pull (case 3's single-seeder
 * baseline took 12–15 s instead of 8.2 s when it ran right after cases 1 and 2).
 */
async function startAll (hs: NovacronHost[]): Promise<void> {
  await promisify(execFile)('sync')
  await Promise.all(hs.map(async h => { await h.start() }))
}

/** Cases 1 and 2: unshaped, one seeder → one receiver; then version 2 while holding version 1. */
async function case12 (work: string, v1: WrittenDisk, v2: WrittenDisk, m: { m1?: Manifest, m2?: Manifest }): Promise<void> {
  await withBed(3, () => ({}), async (tb, nh) => {
    const seeder = await nh.init(0, 'node')
    const recv = await nh.init(1, 'node', [seeder.addr])
    // a second receiver, which starts from nothing as recv does, for the pulls that write the disk file as the chunks
    // arrive (`--out`)
    const recvOut = await nh.init(2, 'node', [seeder.addr])
    m.m1 = await seedImage(seeder.dataDir, v1.path, 'disk', '1')
    m.m2 = await seedImage(seeder.dataDir, v2.path, 'disk', '2')
    await startAll([seeder, recv, recvOut])
    const { sshCommand } = await startSshd(tb, 0, join(work, 'ssh'))
    const url = await startHttpServer(tb, 0, join(work, 'v1'))
    const dst = join(work, 'dst')
    await mkdir(join(dst, 'rsync'), { recursive: true })

    log('case 1: curl')
    const curl = await timed(tb, 1, `curl -sS -o ${join(dst, 'curl.raw')} ${url}/disk.raw`)
    log('case 1: rsync -a over ssh')
    const rsync = await timed(tb, 1, `rsync -a -e '${sshCommand}' root@${tb.ip(0)}:${v1.path} ${join(dst, 'rsync')}/`)
    log('case 1: novacron image pull')
    const seedCpu0 = cpuSeconds(seeder.child?.pid)
    const nc = await pull(recv, 'disk@1')
    const seedCpu = r2(cpuSeconds(seeder.child?.pid) - seedCpu0)
    // the file of an image already held (what `pull --out` took after a pull until the sixteenth session)
    const write = await pull(recv, 'disk@1', join(dst, 'held.raw'))
    log('case 1: novacron image pull --out (the other receiver; the seeder restarted, as fresh as for the pull)')
    // recv now holds the image: down while the other pulls, which would fetch from it too
    await Promise.all([seeder.stop(), recv.stop()])
    await startAll([seeder])
    await sleep(3_000)
    const ncOut = await pull(recvOut, 'disk@1', join(dst, 'novacron.raw'))
    await startAll([recv])
    await sleep(3_000)
    for (const f of ['curl.raw', 'rsync/disk.raw', 'held.raw', 'novacron.raw']) if (await sha256(join(dst, f)) !== v1.sha256) throw new Error(`${f} differs from the source`)
    results.push({
      name: '1. unshaped, 1 seeder → 1 receiver',
      rows: [
        { tool: 'novacron image pull (chunks verified into the store)', seconds: r2(nc.seconds), diskMBps: mbps(SIZE, nc.seconds), wireMB: r2(nc.rxBytes / 1e6) },
        { tool: 'novacron image pull --out (the disk file written as chunks arrive)', seconds: r2(ncOut.seconds), diskMBps: mbps(SIZE, ncOut.seconds), wireMB: r2(ncOut.rxBytes / 1e6) },
        { tool: 'rsync -a over ssh', seconds: r2(rsync.seconds), diskMBps: mbps(SIZE, rsync.seconds), wireMB: r2(rsync.rxBytes / 1e6) },
        { tool: 'curl ← python3 -m http.server', seconds: r2(curl.seconds), diskMBps: mbps(SIZE, curl.seconds), wireMB: r2(curl.rxBytes / 1e6) }
      ],
      notes: [
        `speed vs rsync: ${r2(rsync.seconds / nc.seconds)}× (pull), ${r2(rsync.seconds / ncOut.seconds)}× (pull --out); target ≥ 1×`,
        `speed vs curl: ${r2(curl.seconds / nc.seconds)}× (pull), ${r2(curl.seconds / ncOut.seconds)}× (pull --out)`,
        `pull --out took ${r2(ncOut.seconds / nc.seconds)}× the pull; writing the file of the image once held (pull --out after the pull) took ${r2(write.seconds)} s more`,
        `novacron moved ${r2(nc.progress.wireBytes / 1e6)} MB of chunk payload for a ${r2(SIZE / 1e6)} MB disk (zeros never sent, duplicates sent once)`,
        `CPU during the pull: receiver node ${nc.cpuS} s, seeder node ${seedCpu} s (wall ${r2(nc.seconds)} s; the CLI process not counted)`,
        `inside the node the transfer took ${inNodeSeconds(nc)} s (manifest lookup to commit); the rest is the CLI process`
      ]
    })

    log('case 2: rsync delta v1 → v2')
    // --ignore-times: v1 and v2 have the same size and may share an mtime second, and rsync's quick check would then
    // skip the file instead of running its delta transfer (the copy is checked against v2 below)
    const rsync2 = await timed(tb, 1, `rsync -a --ignore-times -e '${sshCommand}' root@${tb.ip(0)}:${v2.path} ${join(dst, 'rsync')}/disk.raw`)
    log('case 2: novacron pull v2 holding v1')
    const nc2 = await pull(recv, 'disk@2')
    log('case 2: novacron pull v2 --out holding v1 (the other receiver)')
    await recv.stop() // it holds version 2 now
    const out2 = await pull(recvOut, 'disk@2', join(dst, 'novacron-v2.raw'))
    for (const f of ['rsync/disk.raw', 'novacron-v2.raw']) if (await sha256(join(dst, f)) !== v2.sha256) throw new Error(`${f} differs from version 2`)
    const newBytes = m.m1 != null && m.m2 != null ? newChunkBytes(m.m1, m.m2) : 0
    results.push({
      name: '2. version 2 while holding version 1',
      rows: [
        { tool: 'novacron image pull disk@2', seconds: r2(nc2.seconds), wireMB: r2(nc2.rxBytes / 1e6), chunkPayloadMB: r2(nc2.progress.wireBytes / 1e6), wireVsChanged: r2(nc2.rxBytes / v2.changedBytes) },
        { tool: 'novacron image pull disk@2 --out (the disk file written as chunks arrive)', seconds: r2(out2.seconds), wireMB: r2(out2.rxBytes / 1e6), chunkPayloadMB: r2(out2.progress.wireBytes / 1e6), wireVsChanged: r2(out2.rxBytes / v2.changedBytes) },
        { tool: 'rsync -a over ssh (delta)', seconds: r2(rsync2.seconds), wireMB: r2(rsync2.rxBytes / 1e6), chunkPayloadMB: '-', wireVsChanged: r2(rsync2.rxBytes / v2.changedBytes) }
      ],
      notes: [
        `changed bytes: ${r2(v2.changedBytes / 1e6)} MB (${r2(v2.changedBytes / SIZE * 100)}% of the disk); new distinct chunk bytes: ${r2(newBytes / 1e6)} MB`,
        `wire (all bytes received on the link) / changed bytes: novacron ${r2(nc2.rxBytes / v2.changedBytes)}, rsync ${r2(rsync2.rxBytes / v2.changedBytes)}; target ≤ 1.2`,
        `time vs rsync: ${r2(rsync2.seconds / nc2.seconds)}× faster (pull), ${r2(rsync2.seconds / out2.seconds)}× (pull --out, which writes the whole disk file: the 95% held are read from the store); target > 1×`
      ]
    })
  })
}

/** Case 3: four seeders each with a shaped uplink → one unshaped receiver, vs one seeder. */
async function case3 (v1: WrittenDisk): Promise<void> {
  await withBed(6, h => h < 4 ? { upMbit: RATE } : {}, async (_tb, nh) => {
    const seeds: NovacronHost[] = []
    for (let i = 0; i < 4; i++) seeds.push(await nh.init(i, 'node', i === 0 ? [] : [seeds[0]!.addr]))
    const one = await nh.init(4, 'node', [seeds[0]!.addr])
    const four = await nh.init(5, 'node', [seeds[0]!.addr])
    for (const s of seeds) await seedImage(s.dataDir, v1.path, 'disk', '1')
    await startAll([seeds[0]!, one])
    // settled as the four-seeder run is below: a node that pulls right after it started first waits for a
    // provider (one lookup retry a second), which took 0–3 s and made this baseline vary from 8.2 to 15 s
    await new Promise(resolve => setTimeout(resolve, 3_000))
    log('case 3: one seeder')
    const a = await pull(one, 'disk@1')
    await one.stop() // it now holds the image on an unshaped link: keep it out of the 4-seeder run
    await startAll([...seeds.slice(1), four])
    await new Promise(resolve => setTimeout(resolve, 3_000)) // provider records of the late seeders
    log('case 3: four seeders')
    const b = await pull(four, 'disk@1')
    results.push({
      name: `3. ${RATE} Mbit/s seeders → 1 receiver`,
      rows: [
        { seeders: 1, seconds: r2(a.seconds), inNodeS: inNodeSeconds(a), MBps: mbps(a.progress.wireBytes, a.seconds), peersUsed: a.progress.perPeer.length, receiverCpuS: a.cpuS },
        { seeders: 4, seconds: r2(b.seconds), inNodeS: inNodeSeconds(b), MBps: mbps(b.progress.wireBytes, b.seconds), peersUsed: b.progress.perPeer.length, receiverCpuS: b.cpuS }
      ],
      notes: [`speed-up with 4 seeders: ${r2(a.seconds / b.seconds)}× (target ≥ 3.5×, limit 4×); inside the node (manifest lookup to commit, no CLI start): ${r2(inNodeSeconds(a) / inNodeSeconds(b))}×`, `per-peer bytes (4 seeders): ${b.progress.perPeer.map(p => `${r2(p.bytes / 1e6)} MB`).join(', ')}`]
    })
  })
}

interface FanOut { total: number, pulls: Pull[], fromSeed: number[], fromPeers: number[], seedBytes: number, busy: number }

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** N receivers pull from `seed` at once (started 3 s before unless already up): until the last finished, and how busy the machine was. */
async function fanOut (seed: NovacronHost, fan: NovacronHost[]): Promise<FanOut> {
  if (fan.some(h => h.child == null)) {
    await startAll(fan)
    await sleep(3_000)
  }
  const t0 = performance.now()
  const busy0 = machineTicks()
  const pulls = await Promise.all(fan.map(async h => await pull(h, 'disk@1')))
  const total = (performance.now() - t0) / 1000
  const busy = busyPercent(busy0, machineTicks())
  // chunk bytes as stored (uncompressed), per the peer each chunk came from
  const fromSeed = pulls.map(p => p.progress.perPeer.find(x => x.peer === seed.peerId)?.bytes ?? 0)
  const fromPeers = pulls.map(p => p.progress.perPeer.filter(x => x.peer !== seed.peerId).reduce((n, x) => n + x.bytes, 0))
  return { total, pulls, fromSeed, fromPeers, seedBytes: fromSeed.reduce((x, y) => x + y, 0), busy }
}

/**
 * A bed of one seeder (host 0), the fan-out's receivers (hosts 1..N) and, with `withSolo`, a host for the one-to-one
 * pull (host N+1). With SETTLE_S > 0 all of them start together and run SETTLE_S seconds before `fn`, as the nodes of
 * a fleet that was already up; with 0 the receivers are left out, and the others start 3 s before `fn` (the fan-out
 * then starts its receivers 3 s before they pull: their start-up overlaps the fan-out).
 */
async function fanOutBed (v1: WrittenDisk, rate: number | undefined, withSolo: boolean, fn: (seed: NovacronHost, fan: NovacronHost[], solo?: NovacronHost) => Promise<void>): Promise<void> {
  await withBed(RECEIVERS + (withSolo ? 2 : 1), () => ({ upMbit: rate, downMbit: rate }), async (_tb, nh) => {
    const seed = await nh.init(0, 'node')
    const fan: NovacronHost[] = []
    for (let i = 0; i < RECEIVERS; i++) fan.push(await nh.init(i + 1, 'node', [seed.addr]))
    const solo = withSolo ? await nh.init(RECEIVERS + 1, 'node', [seed.addr]) : undefined
    await seedImage(seed.dataDir, v1.path, 'disk', '1')
    await startAll([seed, ...(solo != null ? [solo] : []), ...(SETTLE_S > 0 ? fan : [])])
    await sleep(SETTLE_S > 0 ? SETTLE_S * 1000 : 3_000)
    await fn(seed, fan, solo)
  })
}

/**
 * Case 4: one seeder → N receivers, every link shaped both ways, vs one-to-one. Then the same fan-out on unshaped
 * links in a fresh bed: the time this machine's CPU needs for it, whatever the links.
 */
async function case4 (v1: WrittenDisk): Promise<void> {
  let a: Pull | undefined
  let busySolo = 0
  let shaped: FanOut | undefined
  await fanOutBed(v1, RATE, true, async (seed, fan, solo) => {
    if (solo == null) throw new Error('the case 4 bed has no one-to-one host')
    log('case 4: one-to-one')
    const busy0 = machineTicks()
    a = await pull(solo, 'disk@1')
    busySolo = busyPercent(busy0, machineTicks())
    await solo.stop()
    log(`case 4: fan-out to ${RECEIVERS}`)
    shaped = await fanOut(seed, fan)
  })
  let floor: FanOut | undefined
  await fanOutBed(v1, undefined, false, async (seed, fan) => {
    log(`case 4: fan-out to ${RECEIVERS}, links unshaped`)
    floor = await fanOut(seed, fan)
  })
  if (a == null || shaped == null || floor == null) throw new Error('case 4 did not run')
  const { total, pulls, fromSeed, fromPeers } = shaped
  const cpuOf = (f: FanOut): number => r2(f.pulls.reduce((x, p) => x + p.cpuS, 0))
  // the image's chunk bytes as the one-to-one pull stored them: the same measure as seedBytes
  const imageBytes = Math.max(1, a.progress.perPeer.reduce((n, x) => n + x.bytes, 0))
  const seedShare = (f: FanOut): number => r2(f.seedBytes / imageBytes)
  results.push({
    name: `4. fan-out 1 → ${RECEIVERS}, every host ${RATE} Mbit/s`,
    rows: [
      { run: 'one-to-one', seconds: r2(a.seconds), inNodeS: inNodeSeconds(a), receiverCpuS: a.cpuS },
      { run: `1 → ${RECEIVERS} (until the last finished)`, seconds: r2(total) },
      ...pulls.map((p, i) => ({ run: `receiver ${i + 1}`, seconds: r2(p.seconds), inNodeS: inNodeSeconds(p), receiverCpuS: p.cpuS, fromSeederMB: r2((fromSeed[i] ?? 0) / 1e6), fromPeersMB: r2((fromPeers[i] ?? 0) / 1e6) })),
      { run: `1 → ${RECEIVERS}, links unshaped (until the last finished)`, seconds: r2(floor.total), receiverCpuS: cpuOf(floor), fromSeederMB: r2(floor.seedBytes / 1e6) }
    ],
    notes: [
      SETTLE_S > 0
        ? `every node of each bed (the receivers too) ran ${SETTLE_S} s before the first pull, as a fleet that is already up; --settle-s 0 starts the receivers 3 s before they pull`
        : 'cold start (--settle-s 0): the receivers started 3 s before they pull, so their start-up overlaps the fan-out',
      `fan-out time / one-to-one: ${r2(total / a.seconds)}× (target ≤ 1.5×; a central server needs ~${RECEIVERS}×); inside the nodes (slowest receiver / one-to-one): ${r2(Math.max(...pulls.map(inNodeSeconds)) / inNodeSeconds(a))}×`,
      `the seeder sent ${seedShare(shaped)}× the image's chunk bytes; the ${RECEIVERS} receivers used ${cpuOf(shaped)} CPU s together on a ${cpus().length}-core machine in ${r2(total)} s`,
      `the machine's CPU (all ${cpus().length} cores, every process) was ${shaped.busy}% busy during the fan-out and ${busySolo}% during the one-to-one pull: near 100% the figure measures this machine's CPU more than the swarm`,
      `with unshaped links (a fresh bed) the same fan-out took ${r2(floor.total)} s = ${r2(floor.total / a.seconds)}× the shaped one-to-one pull, the machine ${floor.busy}% busy: about what this machine's CPU needs for this fan-out whatever the links (the receivers used ${cpuOf(floor)} CPU s; the seeder sent ${seedShare(floor)}× the image)`
    ]
  })
}

function markdown (meta: Record<string, unknown>): string {
  const lines = ['# Transfer benchmark results', '', '```json', JSON.stringify(meta, null, 2), '```', '']
  for (const c of results) {
    lines.push(`## ${c.name}`, '')
    const cols = [...new Set(c.rows.flatMap(r => Object.keys(r)))]
    lines.push(`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`)
    for (const r of c.rows) lines.push(`| ${cols.map(k => String(r[k] ?? '')).join(' | ')} |`)
    lines.push('', ...c.notes.map(n => `- ${n}`), '')
  }
  return lines.join('\n')
}

async function main (): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'novacron-bench-transfer-'))
  const meta = { date: new Date().toISOString(), diskBytes: SIZE, rateMbit: RATE, receivers: RECEIVERS, fanOutSettleS: SETTLE_S, cpus: cpus().length, cpu: cpus()[0]?.model, kernel: release(), node: process.version }
  try {
    await mkdir(join(work, 'v1'))
    await mkdir(join(work, 'v2'))
    log(`generating a ${SIZE / MiB} MiB realistic disk, versions 1 and 2`)
    const v1 = await writeRealisticDisk(join(work, 'v1', 'disk.raw'), { sizeBytes: SIZE, version: 1 })
    const v2 = await writeRealisticDisk(join(work, 'v2', 'disk.raw'), { sizeBytes: SIZE, version: 2 })
    const manifests: { m1?: Manifest, m2?: Manifest } = {}
    if (CASES.has(1) || CASES.has(2)) await case12(work, v1, v2, manifests)
    if (CASES.has(3)) await case3(v1)
    if (CASES.has(4)) await case4(v1)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  await writeFile(join(OUT_DIR, 'results.json'), JSON.stringify({ meta, results }, null, 2) + '\n')
  await writeFile(join(OUT_DIR, 'results.md'), markdown(meta))
  process.stdout.write(markdown(meta))
}

await main()
