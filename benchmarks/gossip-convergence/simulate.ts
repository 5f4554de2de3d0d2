import { ClusterView } from '../../src/membership/cluster-view.js'
import { heartbeatInterval, syncInterval } from '../../src/membership/intervals.js'
import { DEFAULT_DEAD_RETENTION_MS, DEFAULT_INDIRECT_PROBES, DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_SUSPECT_TIMEOUT_MS, DEFAULT_HEARTBEAT_MS, DEFAULT_SYNC_INTERVAL_MS, SYNC_DIGEST_ENTRY_BYTES } from '../../src/membership/constants.js'
import type { Version } from '../../src/membership/types.js'

/**
 * Discrete-event simulation of the membership protocol at 1,000–10,000 nodes. The merge (last-writer-wins on
 * (bootEpoch, seq)) and suspicion logic are the production ClusterView; the network is simulated: a
 * gossipsub-like mesh of degree ≥ 6, per-link one-way latency, per-node uplink serialisation and per-message
 * processing cost. See README.md for what is and is not modelled.
 */
export interface SimParams {
  nodes: number
  /** One-way link latency range, ms. */
  latencyMs: [number, number]
  /** Per-node uplink, bytes/s. */
  uplinkBytesPerS: number
  /** CPU per first copy of a gossip message (decode + Ed25519 verify + merge), ms. */
  processMs: number
  /** Bytes on the wire of one gossiped record / suspicion / probe message (payload + gossipsub + yamux + noise). */
  recordWireBytes: number
  suspicionWireBytes: number
  probeWireBytes: number
  /** Signed record size (for the heartbeat interval formula). */
  recordBytes: number
  meshDegree: number
  trials: number
  /** Steady-state window for byte accounting, s. */
  windowS: number
  seed: number
}

export interface SimResult {
  nodes: number
  trials: number
  convergenceMs: number[]
  p50Ms: number
  p99Ms: number
  /** Baseline in the same run: the origin sends the record straight to every node (no gossip). */
  broadcastBaseline: { p50Ms: number, p99Ms: number, originBytes: number }
  failure: { firstSuspectMs: number, allSuspectMs: number, allDeadMs: number }
  heartbeatIntervalS: number
  syncIntervalS: number
  /** Per node per second, sent + received. */
  bytesPerNodePerS: { gossip: number, ihaveEstimate: number, probes: number, antiEntropy: number, total: number }
  messagesPerNodePerS: number
  /** Baseline: every node sends its record to every other node each DEFAULT_HEARTBEAT_MS (all-to-all heartbeat). */
  allToAllBytesPerNodePerS: number
  wallS: number
}

interface SimRecord { id: number, version: Version }

function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Min-heap of timed callbacks. */
class EventQueue {
  private times: number[] = []
  private fns: Array<() => void> = []
  now = 0
  push (t: number, fn: () => void): void {
    const times = this.times
    const fns = this.fns
    let i = times.length
    times.push(t)
    fns.push(fn)
    while (i > 0) {
      const p = (i - 1) >> 1
      if ((times[p] as number) <= t) break
      times[i] = times[p] as number
      fns[i] = fns[p] as () => void
      i = p
    }
    times[i] = t
    fns[i] = fn
  }

  /** Run events until `until` (or none left). */
  run (until: number): void {
    const times = this.times
    const fns = this.fns
    while (times.length > 0 && (times[0] as number) <= until) {
      const t = times[0] as number
      const fn = fns[0] as () => void
      const lastT = times.pop() as number
      const lastF = fns.pop() as () => void
      const n = times.length
      if (n > 0) {
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          if (l >= n) break
          const r = l + 1
          const c = r < n && (times[r] as number) < (times[l] as number) ? r : l
          if ((times[c] as number) >= lastT) break
          times[i] = times[c] as number
          fns[i] = fns[c] as () => void
          i = c
        }
        times[i] = lastT
        fns[i] = lastF
      }
      this.now = t
      fn()
    }
    this.now = Math.max(this.now, until)
  }
}

function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))] ?? NaN
}

export function simulate (p: SimParams): SimResult {
  const wall = performance.now()
  const rnd = mulberry32(p.seed)
  const N = p.nodes
  const q = new EventQueue()
  const keyer = (r: SimRecord): { id: string, version: Version } => ({ id: String(r.id), version: r.version })
  const views = Array.from({ length: N }, (_, i) => new ClusterView<SimRecord>(String(i), keyer, { suspectTimeoutMs: DEFAULT_SUSPECT_TIMEOUT_MS, deadRetentionMs: DEFAULT_DEAD_RETENTION_MS }))
  views.forEach((v, i) => { v.setSelf({ id: i, version: { bootEpoch: 1, seq: 1 } }, 0) })
  const alive = new Uint8Array(N).fill(1)
  const busyUntil = new Float64Array(N)
  const uplinkFree = new Float64Array(N)
  const bytes = new Float64Array(N)
  const msgs = new Float64Array(N)
  const probeBytes = new Float64Array(N)

  // mesh: every node ends with degree >= meshDegree (gossipsub keeps D_lo..D_hi = 4..12 around D = 6)
  const adj: number[][] = Array.from({ length: N }, () => [])
  for (let i = 0; i < N; i++) {
    let guard = 0
    while ((adj[i] as number[]).length < p.meshDegree && guard++ < 1000) {
      const j = Math.floor(rnd() * N)
      if (j === i || (adj[i] as number[]).includes(j) || (adj[j] as number[]).length >= 2 * p.meshDegree) continue
      ;(adj[i] as number[]).push(j)
      ;(adj[j] as number[]).push(i)
    }
  }
  const latency = (a: number, b: number): number => {
    const h = Math.imul(Math.min(a, b) * 73856093 ^ Math.max(a, b) * 19349663, 0x9E3779B1) >>> 0
    return p.latencyMs[0] + (h / 4294967296) * (p.latencyMs[1] - p.latencyMs[0])
  }

  /** Queue `size` bytes from a to b behind a's uplink; run `onArrive` when they land. */
  const send = (a: number, b: number, size: number, onArrive: (t: number) => void): void => {
    const start = Math.max(q.now, uplinkFree[a] as number)
    const done = start + size * 1000 / p.uplinkBytesPerS
    uplinkFree[a] = done
    bytes[a] = (bytes[a] as number) + size
    msgs[a] = (msgs[a] as number) + 1
    const at = done + latency(a, b)
    q.push(at, () => {
      if (alive[b] === 0) return
      bytes[b] = (bytes[b] as number) + size
      msgs[b] = (msgs[b] as number) + 1
      onArrive(at)
    })
  }

  type Payload = { kind: 'record', rec: SimRecord } | { kind: 'suspicion', subject: number, version: Version }
  const onApplied = new Map<number, (node: number, t: number) => void>()
  let nextMsg = 0
  /** Gossip a message from `origin`: flood to its mesh peers; each node validates (the real merge) once, then forwards. */
  const gossip = (origin: number, payload: Payload, size: number): number => {
    const id = nextMsg++
    const seen = new Uint8Array(N)
    seen[origin] = 1
    const hop = (from: number, to: number): void => {
      send(from, to, size, t => {
        if (seen[to] === 1) return
        seen[to] = 1
        const doneAt = Math.max(t, busyUntil[to] as number) + p.processMs
        busyUntil[to] = doneAt
        q.push(doneAt, () => {
          const v = views[to] as ClusterView<SimRecord>
          let forward: boolean
          if (payload.kind === 'record') {
            forward = v.merge(payload.rec, doneAt) !== 'stale'
          } else {
            const m = v.get(String(payload.subject))
            forward = m != null && v.suspect(String(payload.subject), payload.version, doneAt) != null
            if (forward) q.push(doneAt + DEFAULT_SUSPECT_TIMEOUT_MS, () => { v.tick(q.now) })
          }
          if (!forward) return
          onApplied.get(id)?.(to, doneAt)
          for (const nb of adj[to] as number[]) if (nb !== from) hop(to, nb)
        })
      })
    }
    for (const nb of adj[origin] as number[]) hop(origin, nb)
    return id
  }

  const seq = new Float64Array(N).fill(1)
  const bump = (i: number): SimRecord => {
    seq[i] = (seq[i] as number) + 1
    return { id: i, version: { bootEpoch: 1, seq: seq[i] as number } }
  }

  // steady state: heartbeats (through the mesh), SWIM probes (uniform random target), periodic anti-entropy (accounted)
  const hbMs = heartbeatInterval(DEFAULT_HEARTBEAT_MS, N, p.recordBytes)
  const syncMs = syncInterval(DEFAULT_SYNC_INTERVAL_MS, N)
  const probing = new Uint8Array(N).fill(1)
  const suspectAt: number[] = []
  let firstSuspect = Infinity
  const probeRound = (i: number): void => {
    if (alive[i] === 1 && probing[i] === 1) {
      let target = Math.floor(rnd() * (N - 1))
      if (target >= i) target++
      probeBytes[i] = (probeBytes[i] as number) + 2 * p.probeWireBytes
      if (alive[target] === 1) {
        probeBytes[target] = (probeBytes[target] as number) + 2 * p.probeWireBytes
      } else {
        // no ack: after the probe timeout ask k helpers; after their timeout, suspect and gossip it
        const t0 = q.now
        q.push(t0 + DEFAULT_PROBE_TIMEOUT_MS, () => {
          for (let k = 0; k < DEFAULT_INDIRECT_PROBES; k++) {
            const h = Math.floor(rnd() * N)
            probeBytes[i] = (probeBytes[i] as number) + 2 * p.probeWireBytes
            probeBytes[h] = (probeBytes[h] as number) + 3 * p.probeWireBytes
          }
          q.push(q.now + 2 * DEFAULT_PROBE_TIMEOUT_MS, () => {
            const v = views[i] as ClusterView<SimRecord>
            const m = v.get(String(target))
            if (m == null || v.suspect(String(target), m.version, q.now) == null) return
            firstSuspect = Math.min(firstSuspect, q.now)
            suspectAt.push(q.now)
            q.push(q.now + DEFAULT_SUSPECT_TIMEOUT_MS, () => { v.tick(q.now) })
            gossip(i, { kind: 'suspicion', subject: target, version: m.version }, p.suspicionWireBytes)
          })
        })
      }
    }
    q.push(q.now + DEFAULT_PROBE_INTERVAL_MS, () => { probeRound(i) })
  }
  for (let i = 0; i < N; i++) {
    q.push(rnd() * DEFAULT_PROBE_INTERVAL_MS, () => { probeRound(i) })
    const beat = (): void => {
      if (alive[i] === 1) gossip(i, { kind: 'record', rec: bump(i) }, p.recordWireBytes)
      q.push(q.now + hbMs, beat)
    }
    q.push(rnd() * hbMs, beat)
  }

  // byte window
  q.run(2000)
  const b0 = Float64Array.from(bytes)
  const m0 = Float64Array.from(msgs)
  const pb0 = Float64Array.from(probeBytes)
  const w0 = q.now
  q.run(w0 + p.windowS * 1000)
  const span = (q.now - w0) / 1000
  let gossipBytes = 0
  let probe = 0
  let messages = 0
  for (let i = 0; i < N; i++) {
    gossipBytes += (bytes[i] as number) - (b0[i] as number)
    probe += (probeBytes[i] as number) - (pb0[i] as number)
    messages += (msgs[i] as number) - (m0[i] as number)
  }
  gossipBytes /= N * span
  probe /= N * span
  messages = messages / N / span + 4 * 1 // + probe/ack messages (2 sent, 2 received per node per round)
  const msgRate = N / (hbMs / 1000)
  // gossipsub lazy gossip (not simulated): IHAVE to D_lazy = 6 peers per 1 s heartbeat, listing the ids of 3 heartbeats
  const ihave = 2 * 6 * (3 * msgRate * 48 + 40)
  const antiEntropy = 2 * (N * SYNC_DIGEST_ENTRY_BYTES + p.recordWireBytes) / (syncMs / 1000)

  // convergence trials: a random live node publishes a change; time until every live node merged it
  const convergenceMs: number[] = []
  const broadcastMs: number[] = []
  let originBytes = 0
  for (let t = 0; t < p.trials; t++) {
    const origin = Math.floor(rnd() * N)
    const start = q.now
    let reached = 0
    let last = start
    const id = gossip(origin, { kind: 'record', rec: bump(origin) }, p.recordWireBytes)
    onApplied.set(id, (_n, at) => { reached++; last = Math.max(last, at) })
    q.run(start + 10_000)
    onApplied.delete(id)
    convergenceMs.push(reached === N - 1 ? Math.round((last - start) * 10) / 10 : Infinity)
    // baseline: direct broadcast of the same record from the same origin (N-1 unicasts behind one uplink)
    let bLast = 0
    let up = 0
    for (let j = 0; j < N; j++) {
      if (j === origin) continue
      up += p.recordWireBytes * 1000 / p.uplinkBytesPerS
      bLast = Math.max(bLast, up + latency(origin, j) + p.processMs)
    }
    broadcastMs.push(Math.round(bLast * 10) / 10)
    originBytes = (N - 1) * p.recordWireBytes
  }

  // failure: kill one node; its probers suspect it, the suspicion is gossiped, suspects die after the timeout
  const victim = Math.floor(rnd() * N)
  // every live member is in every view (anti-entropy in the real system); here: the victim publishes once first
  gossip(victim, { kind: 'record', rec: bump(victim) }, p.recordWireBytes)
  q.run(q.now + 5000)
  alive[victim] = 0
  const killedAt = q.now
  firstSuspect = Infinity
  const allHave = (state: string): number | undefined => {
    let latest = 0
    for (let i = 0; i < N; i++) {
      if (i === victim) continue
      const m = (views[i] as ClusterView<SimRecord>).get(String(victim))
      if (m == null || (state === 'suspect' ? m.liveness === 'alive' : m.liveness !== 'dead')) return undefined
      latest = Math.max(latest, m.livenessSince)
    }
    return latest
  }
  let allSuspect: number | undefined
  let allDead: number | undefined
  for (let step = 0; step < 600 && allDead == null; step++) {
    q.run(q.now + 100)
    allSuspect ??= allHave('suspect')
    allDead = allHave('dead')
  }
  const r = (x: number | undefined): number => x == null ? Infinity : Math.round(x - killedAt)
  return {
    nodes: N,
    trials: p.trials,
    convergenceMs,
    p50Ms: percentile(convergenceMs, 50),
    p99Ms: percentile(convergenceMs, 99),
    broadcastBaseline: { p50Ms: percentile(broadcastMs, 50), p99Ms: percentile(broadcastMs, 99), originBytes },
    failure: { firstSuspectMs: r(firstSuspect), allSuspectMs: r(allSuspect), allDeadMs: r(allDead) },
    heartbeatIntervalS: Math.round(hbMs / 100) / 10,
    syncIntervalS: Math.round(syncMs / 100) / 10,
    bytesPerNodePerS: {
      gossip: Math.round(gossipBytes),
      ihaveEstimate: Math.round(ihave),
      probes: Math.round(probe),
      antiEntropy: Math.round(antiEntropy),
      total: Math.round(gossipBytes + ihave + probe + antiEntropy)
    },
    messagesPerNodePerS: Math.round(messages * 10) / 10,
    allToAllBytesPerNodePerS: Math.round(2 * (N - 1) * p.recordWireBytes / (DEFAULT_HEARTBEAT_MS / 1000)),
    wallS: Math.round((performance.now() - wall) / 100) / 10
  }
}
