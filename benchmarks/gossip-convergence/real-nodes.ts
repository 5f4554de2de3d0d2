import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeSecret, generateSecret } from '../../src/secret/cluster-secret.js'

/** Figures of one real-node run (one cluster size). */
export interface RealRun {
  nodes: number
  /** Membership config overrides of this run (none: production defaults). */
  membership?: Record<string, number>
  processes: number
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
  /** Failure-detector events summed over nodes during the measurement (false suspicions under CPU starvation). */
  suspicionEvents: Record<string, number>
  /** Worst event-loop delay among the node processes during the measurement, ms. */
  eventLoopDelayMs: { p50: number, p99: number, max: number }
  /** Load average of the machine (1 min) at the end of the measurement. */
  loadAverage1m: number
}

interface Counters { all: number, membership: number, byProtocol: Record<string, number>, suspicion: Record<string, number> }

/** One worker process and a request/response channel to it. */
class Worker {
  private next = 0
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  readonly child: ChildProcess
  ids: string[] = []

  constructor () {
    this.child = fork(fileURLToPath(new URL('./real-worker.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (m: { id: number, result?: unknown, error?: string }) => {
      const p = this.pending.get(m.id)
      this.pending.delete(m.id)
      if (m.error != null) p?.reject(new Error(m.error))
      else p?.resolve(m.result)
    })
    this.child.on('exit', () => { for (const p of this.pending.values()) p.reject(new Error('worker exited')) })
  }

  async ask<T> (req: Record<string, unknown>, timeoutMs = 300_000): Promise<T> {
    const id = this.next++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`worker request ${String(req.cmd)} timed out`)) }, timeoutMs)
      this.pending.set(id, { resolve: v => { clearTimeout(timer); resolve(v as T) }, reject: e => { clearTimeout(timer); reject(e) } })
      this.child.send({ ...req, id })
    })
  }
}

function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] ?? NaN
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function sumCounters (workers: Worker[]): Promise<Counters> {
  const all = await Promise.all(workers.map(async w => await w.ask<Counters>({ cmd: 'counters' })))
  const out: Counters = { all: 0, membership: 0, byProtocol: {}, suspicion: {} }
  for (const c of all) {
    out.all += c.all
    out.membership += c.membership
    for (const [k, v] of Object.entries(c.byProtocol)) out.byProtocol[k] = (out.byProtocol[k] ?? 0) + v
    for (const [k, v] of Object.entries(c.suspicion)) out.suspicion[k] = (out.suspicion[k] ?? 0) + v
  }
  return out
}

/**
 * N real NovaCron nodes (real libp2p on 127.0.0.1, real LevelDB, real API, default membership config) spread
 * over `processes` worker processes. Measures convergence of a state change and the bytes the mesh costs.
 */
export async function runReal (nodesWanted: number, opts: { processes: number, trials: number, windowS: number, trialGapMs: number, membership?: Record<string, number>, log: (s: string) => void }): Promise<RealRun> {
  const dir = await mkdtemp(join(tmpdir(), 'novacron-gossip-bench-'))
  const procs = Math.max(1, Math.min(opts.processes, nodesWanted))
  const workers = Array.from({ length: procs }, () => new Worker())
  const started = Date.now()
  try {
    const secretFile = join(dir, 'cluster.secret')
    await writeFile(secretFile, encodeSecret(generateSecret()), { mode: 0o600 })
    const per = Math.ceil(nodesWanted / procs)
    const first = workers[0] as Worker
    const r0 = await first.ask<{ ids: string[], addresses: string[] }>({ cmd: 'start', dir, secretFile, first: 0, count: Math.min(per, nodesWanted), seeds: [], membership: opts.membership })
    first.ids = r0.ids
    const seeds = r0.addresses.slice(0, 2)
    await Promise.all(workers.slice(1).map(async (w, k) => {
      const from = (k + 1) * per
      const count = Math.max(0, Math.min(per, nodesWanted - from))
      if (count > 0) w.ids = (await w.ask<{ ids: string[] }>({ cmd: 'start', dir, secretFile, first: from, count, seeds, membership: opts.membership })).ids
    }))
    // ready when every node holds a record of every node (liveness may flap under CPU starvation: counted below)
    const deadline = Date.now() + Number(process.env.READY_TIMEOUT_MS ?? 300_000)
    for (;;) {
      const views = (await Promise.all(workers.map(async w => await w.ask<Array<{ members: number, alive: number, connections: number, topicPeers: number }>>({ cmd: 'views' })))).flat()
      if (views.every(v => v.members === nodesWanted)) break
      if (Date.now() > deadline) {
        opts.log(`  members/alive/connections/topic peers per node: ${views.map(v => `${v.members}/${v.alive}/${v.connections}/${v.topicPeers}`).join(' ')}`)
        throw new Error(`${nodesWanted} nodes did not learn of each other in 300 s`)
      }
      await sleep(500)
    }
    const setupS = (Date.now() - started) / 1000
    opts.log(`  ${nodesWanted} nodes in ${procs} processes know each other after ${setupS.toFixed(1)} s; steady-state window ${opts.windowS} s`)
    await sleep(3000)

    await Promise.all(workers.map(async w => await w.ask({ cmd: 'loop', enable: true })))
    const before = await sumCounters(workers)
    await sleep(opts.windowS * 1000)
    const after = await sumCounters(workers)
    const byProtocol: Record<string, number> = {}
    for (const [k, v] of Object.entries(after.byProtocol)) byProtocol[k] = Math.round((v - (before.byProtocol[k] ?? 0)) / nodesWanted / opts.windowS)
    const steady = {
      windowS: opts.windowS,
      allBytesPerNodePerS: Math.round((after.all - before.all) / nodesWanted / opts.windowS),
      membershipBytesPerNodePerS: Math.round((after.membership - before.membership) / nodesWanted / opts.windowS),
      byProtocol
    }

    const convergenceMs: number[] = []
    const changeT0 = Date.now()
    for (let t = 0; t < opts.trials; t++) {
      const w = workers[Math.floor(Math.random() * workers.length)] as Worker
      const index = Math.floor(Math.random() * w.ids.length)
      const originId = w.ids[index] as string
      const tag = `trial-${t}-${Math.random().toString(36).slice(2, 8)}`
      await Promise.all(workers.map(async x => await x.ask({ cmd: 'watch', originId, tag })))
      const { t0 } = await w.ask<{ t0: number }>({ cmd: 'change', index, tag })
      let seen: number[] = []
      const until = Date.now() + 10_000
      while (Date.now() < until) {
        seen = (await Promise.all(workers.map(async x => (await x.ask<{ seen: number[] }>({ cmd: 'collect' })).seen))).flat()
        if (seen.length >= nodesWanted - 1) break
        await sleep(20)
      }
      if (seen.length < nodesWanted - 1) {
        opts.log(`  trial ${t}: only ${seen.length}/${nodesWanted - 1} nodes saw the change within 10 s`)
        convergenceMs.push(Infinity)
      } else {
        convergenceMs.push(Math.round((Math.max(...seen) - t0) * 10) / 10)
      }
      await sleep(opts.trialGapMs)
    }
    const changeEnd = await sumCounters(workers)
    const changeS = (Date.now() - changeT0) / 1000
    const loops = await Promise.all(workers.map(async w => await w.ask<{ p50: number, p99: number, max: number }>({ cmd: 'loop', enable: false })))
    const suspicionEvents: Record<string, number> = {}
    for (const [k, v] of Object.entries(changeEnd.suspicion)) suspicionEvents[k] = v - (before.suspicion[k] ?? 0)
    const sorted = [...convergenceMs].sort((a, b) => a - b)
    return {
      nodes: nodesWanted,
      membership: opts.membership,
      processes: procs,
      trials: opts.trials,
      convergenceMs,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? NaN,
      steady,
      underChanges: {
        allBytesPerNodePerS: Math.round((changeEnd.all - after.all) / nodesWanted / changeS),
        membershipBytesPerNodePerS: Math.round((changeEnd.membership - after.membership) / nodesWanted / changeS)
      },
      setupS,
      suspicionEvents,
      eventLoopDelayMs: {
        p50: Math.round(Math.max(...loops.map(l => l.p50))),
        p99: Math.round(Math.max(...loops.map(l => l.p99))),
        max: Math.round(Math.max(...loops.map(l => l.max)))
      },
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100
    }
  } finally {
    await Promise.allSettled(workers.map(async w => { await w.ask({ cmd: 'stop' }, 60_000) }))
    // let them exit on their own (profiles, if any, are written at exit), then make sure
    await Promise.all(workers.map(async w => {
      if (w.child.exitCode != null) return
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, 15_000)
        w.child.once('exit', () => { clearTimeout(timer); resolve() })
      })
    }))
    for (const w of workers) if (w.child.exitCode == null) w.child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
}
