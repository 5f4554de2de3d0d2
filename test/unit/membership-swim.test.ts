import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/logging/logger.js'
import { ClusterView, type Transition } from '../../src/membership/cluster-view.js'
import { versionOf, type MembershipContext } from '../../src/membership/context.js'
import { MembershipMetrics } from '../../src/membership/metrics.js'
import type { ProbeProtocol } from '../../src/membership/probe-protocol.js'
import type { VerifiedRecord } from '../../src/membership/record.js'
import { SwimDetector } from '../../src/membership/swim-detector.js'
import type { Version } from '../../src/membership/types.js'

async function id (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}
const rec = (peerId: string, seq = 1): VerifiedRecord => ({ state: { peerId, bootEpoch: 1, seq }, signed: { record: new Uint8Array(), signature: new Uint8Array() }, size: 0 }) as unknown as VerifiedRecord
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A detector over a real ClusterView with a scripted probe transport. */
async function setup (behaviour: { direct: (target: string, timeoutMs?: number) => Promise<Version>, via: (helper: string, target: string) => Promise<boolean> }) {
  const self = await id()
  const view = new ClusterView<VerifiedRecord>(self, versionOf, { suspectTimeoutMs: 1000 })
  view.setSelf(rec(self), 0)
  const published: string[] = []
  const transitions: Transition[] = []
  const metrics = new MembershipMetrics(new Registry())
  const ctx: MembershipContext = {
    view, metrics, log: silentLogger, now: () => Date.now(), selfRecord: () => rec(self),
    refute: () => {}, publishSuspicion: subject => { published.push(subject) }, transition: t => { transitions.push(t) }, changed: () => {}
  }
  const probe = {
    probe: async (p: { toString: () => string }, timeoutMs?: number) => await behaviour.direct(p.toString(), timeoutMs),
    probeVia: async (h: { toString: () => string }, t: { toString: () => string }) => await behaviour.via(h.toString(), t.toString())
  } as unknown as ProbeProtocol
  const swim = new SwimDetector({ ctx, probe, indirectProbes: 2, probeTimeoutMs: 10, onNewerVersion: () => {} })
  return { view, swim, published, transitions, metrics }
}

describe('SWIM detector', () => {
  it('suspects and gossips a member that fails the direct and every indirect probe', async () => {
    const [a, b, c] = [await id(), await id(), await id()]
    const asked: string[] = []
    const s = await setup({ direct: async () => { throw new Error('no answer') }, via: async h => { asked.push(h); return false } })
    for (const m of [a, b, c]) s.view.merge(rec(m), 0)
    expect(await s.swim.check(a)).toBe(false)
    expect(asked.sort()).toEqual([b, c].sort())
    expect(s.view.get(a)?.liveness).toBe('suspect')
    expect(s.published).toEqual([a])
    expect(s.transitions).toEqual([{ id: a, from: 'alive', to: 'suspect' }])
  })

  it('one bad link does not evict: a helper that reaches the member keeps it alive', async () => {
    const [a, b] = [await id(), await id()]
    const s = await setup({ direct: async () => { throw new Error('bad link') }, via: async () => true })
    for (const m of [a, b]) s.view.merge(rec(m), 0)
    expect(await s.swim.check(a)).toBe(true)
    expect(s.view.get(a)?.liveness).toBe('alive')
    expect(s.published).toEqual([])
  })

  it('accuses nobody when its own timers ran far late (local CPU starvation)', async () => {
    const [a, b] = [await id(), await id()]
    const s = await setup({ direct: async () => { await sleep(80); throw new Error('timeout') }, via: async () => false })
    for (const m of [a, b]) s.view.merge(rec(m), 0)
    expect(await s.swim.check(a)).toBe(false)
    expect(s.view.get(a)?.liveness).toBe('alive')
    expect(s.published).toEqual([])
    expect((await s.metrics.suspicion.get()).values.find(v => v.labels.event === 'skipped-local-lag')?.value).toBe(1)
  })

  it('a node that ran late or was itself suspected stretches its probe timeouts, and recovers with answers', async () => {
    const [a, b] = [await id(), await id()]
    const timeouts: number[] = []
    let slow = true
    const s = await setup({ direct: async (_t, timeoutMs) => { timeouts.push(timeoutMs ?? 0); if (slow) { await sleep(80); throw new Error('timeout') } return { bootEpoch: 1, seq: 1 } }, via: async () => false })
    for (const m of [a, b]) s.view.merge(rec(m), 0)
    await s.swim.check(a)
    expect(s.swim.localHealth).toBe(1)
    s.swim.selfSuspected()
    expect(s.swim.localHealth).toBe(2)
    slow = false
    await s.swim.check(a)
    expect(timeouts).toEqual([10, 30])
    expect(s.swim.localHealth).toBe(1)
  })

  it('a direct answer revives a suspect member and asks for a newer record it announces', async () => {
    const a = await id()
    const s = await setup({ direct: async () => ({ bootEpoch: 1, seq: 5 }), via: async () => false })
    s.view.merge(rec(a), 0)
    s.view.suspect(a, { bootEpoch: 1, seq: 1 }, 0)
    const pulled: string[] = []
    const swim = new SwimDetector({ ctx: (s.swim as unknown as { init: { ctx: MembershipContext } }).init.ctx, probe: {} as ProbeProtocol, indirectProbes: 0, probeTimeoutMs: 10, onNewerVersion: p => { pulled.push(p.toString()) } })
    swim.contact(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), { bootEpoch: 1, seq: 1 })
    const { peerIdFromString } = await import('@libp2p/peer-id')
    swim.contact(peerIdFromString(a), { bootEpoch: 1, seq: 5 })
    expect(s.view.get(a)?.liveness).toBe('alive')
    expect(pulled).toContain(a)
  })
})
