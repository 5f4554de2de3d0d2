import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NovacronNode } from '../../node/novacron-node.js'
import type { ClusterSnapshot } from '../../src/membership/cluster-snapshot.js'
import { MembershipCluster, allAlive, livenessOf } from '../helpers/membership-nodes.js'
import { waitFor } from '../helpers/wait-for.js'

const idOf = (n: NovacronNode): string => n.components.identity.peerId.toString()

async function clusterOf (n: NovacronNode, site?: string): Promise<ClusterSnapshot> {
  const res = await fetch(`${n.apiUrl}/api/v1/cluster${site != null ? `?site=${site}` : ''}`)
  expect(res.status).toBe(200)
  return await res.json() as ClusterSnapshot
}

async function putLabels (n: NovacronNode, body: unknown): Promise<Response> {
  const token = (await readFile(join(n.components.dataDir, 'api.token'), 'utf8')).trim()
  return await fetch(`${n.apiUrl}/api/v1/labels`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

describe('membership on real loopback nodes', () => {
  let cluster: MembershipCluster

  beforeAll(async () => {
    cluster = await MembershipCluster.create()
    await cluster.add({ site: 'pop-1' })
    await cluster.add({ site: 'pop-1' })
    await cluster.add({ site: 'edge-2', labels: { rack: 'r1' } })
    await waitFor(() => allAlive(cluster.nodes), { timeoutMs: 30_000, what: 'three nodes see each other alive' })
  })

  afterAll(async () => { await cluster?.stopAll() })

  it('lists every node with resources, labels and per-site totals; --site filters', async () => {
    const view = await clusterOf(cluster.nodes[0] as NovacronNode)
    expect(view.members.map(m => m.peerId).sort()).toEqual(cluster.nodes.map(idOf).sort())
    const edge = view.members.find(m => m.site === 'edge-2')
    expect(edge?.labels).toEqual({ rack: 'r1' })
    expect(edge?.resources.cpuCores).toBeGreaterThan(0)
    expect(edge?.resources.memoryTotal).toBeGreaterThan(0)
    expect(edge?.resources.diskTotal).toBeGreaterThan(0)
    expect(edge?.vms).toEqual([])
    expect(view.sites.map(s => [s.site, s.nodes, s.alive])).toEqual([['edge-2', 1, 1], ['pop-1', 2, 2]])
    expect(view.totals.nodes).toBe(3)
    expect(view.totals.cpuCores).toBe(view.members.reduce((a, m) => a + m.resources.cpuCores, 0))
    const only = await clusterOf(cluster.nodes[0] as NovacronNode, 'pop-1')
    expect(only.members.map(m => m.site)).toEqual(['pop-1', 'pop-1'])
    const bad = await fetch(`${(cluster.nodes[0] as NovacronNode).apiUrl}/api/v1/cluster?site=${encodeURIComponent('no/such')}`)
    expect(bad.status).toBe(400)
  })

  it('a label change on one node is visible on all others and survives in config.json', async () => {
    const [a, b, c] = cluster.nodes as [NovacronNode, NovacronNode, NovacronNode]
    const res = await putLabels(b, { set: { tier: 'gold' } })
    expect(res.status).toBe(200)
    for (const o of [a, c]) {
      await waitFor(() => o.membership.view.get(idOf(b))?.record.state.labels.tier === 'gold', { timeoutMs: 10_000, what: 'label on peer' })
    }
    const saved = JSON.parse(await readFile(join(b.components.dataDir, 'config.json'), 'utf8')) as { labels: Record<string, string> }
    expect(saved.labels).toEqual({ tier: 'gold' })
    const rm = await putLabels(b, { remove: ['tier'] })
    expect(rm.status).toBe(200)
    await waitFor(() => a.membership.view.get(idOf(b))?.record.state.labels.tier === undefined, { timeoutMs: 10_000, what: 'label removal on peer' })
  })

  it('refuses bad label changes without the token or with bad keys, changing nothing', async () => {
    const b = cluster.nodes[1] as NovacronNode
    const seq = b.membership.ownRecord().state.seq
    const noToken = await fetch(`${b.apiUrl}/api/v1/labels`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"set":{"a":"b"}}' })
    expect(noToken.status).toBe(401)
    const badKey = await putLabels(b, { set: { 'Bad Key': 'x' } })
    expect(badKey.status).toBe(400)
    expect(((await badKey.json()) as { error: { code: string } }).error.code).toBe('ERR_LABEL_KEY')
    const missing = await putLabels(b, { remove: ['nope'] })
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ERR_LABEL_NOT_FOUND')
    expect(b.membership.ownRecord().state.seq).toBe(seq)
  })

  it('a joiner gets the whole view through anti-entropy, before any heartbeat', async () => {
    const joiner = await cluster.add({ site: 'edge-3' })
    // heartbeats are 120 s apart in this cluster: only state-sync can deliver the 3 existing records this fast
    await waitFor(() => cluster.nodes.every(n => livenessOf(joiner, n) === 'alive'), { timeoutMs: 15_000, what: 'joiner has the full view' })
    const viaSync = (await joiner.membership.metrics.accepted.get()).values.find(v => v.labels.via === 'sync')?.value ?? 0
    expect(viaSync).toBeGreaterThanOrEqual(3)
    await waitFor(() => allAlive(cluster.nodes), { timeoutMs: 15_000, what: 'everyone sees the joiner' })
  })

  it('VMs reported by the VM service are carried in the record', async () => {
    const [a, b] = cluster.nodes as [NovacronNode, NovacronNode]
    a.membership.setVms([{ name: 'web-1', state: 'running', vcpus: 2, memoryBytes: 1 << 30, diskBytes: 10 << 30, gpus: 0 }])
    await waitFor(() => b.membership.view.get(idOf(a))?.record.state.vms[0]?.name === 'web-1', { timeoutMs: 10_000, what: 'VM visible on peer' })
    const view = await clusterOf(b)
    const site = view.sites.find(s => s.site === 'pop-1')
    expect(site?.vms).toBe(1)
    expect(site?.vmVcpus).toBe(2)
  })

  it('a stopped node goes suspect, then dead, on every other node', async () => {
    const victim = cluster.nodes[2] as NovacronNode
    const others = cluster.nodes.filter(n => n !== victim)
    const seen = new Map<NovacronNode, string[]>()
    for (const o of others) {
      seen.set(o, [])
      o.membership.events.addEventListener('liveness', evt => {
        const t = (evt as CustomEvent<{ id: string, to: string }>).detail
        if (t.id === idOf(victim)) seen.get(o)?.push(t.to)
      })
    }
    await victim.stop()
    await waitFor(() => others.every(o => livenessOf(o, victim) === 'dead'), { timeoutMs: 20_000, what: 'victim dead everywhere' })
    for (const o of others) expect(seen.get(o)).toEqual(['suspect', 'dead'])
    // and the survivors still see each other alive
    expect(allAlive(others)).toBe(true)
  })
})
