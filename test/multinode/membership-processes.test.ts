import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot } from '../../src/membership/cluster-snapshot.js'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'
import { runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'

/** Real `novacron` processes with the default membership timings: CLI, labels, kill -9 and restart. */
describe('membership across real novacron processes', () => {
  let cluster: TestCluster
  let seed: NovacronProcess
  let nodes: NovacronProcess[]

  const view = async (p: NovacronProcess): Promise<ClusterSnapshot> => await p.get<ClusterSnapshot>('/api/v1/cluster')
  const livenessOn = async (observer: NovacronProcess, subject: NovacronProcess): Promise<string | undefined> =>
    (await view(observer)).members.find(m => m.peerId === subject.peerId)?.liveness

  beforeAll(async () => {
    cluster = await TestCluster.create('novacron-membership-')
    const mesh = await cluster.startMesh({ bootstraps: 1, nodes: 3 })
    seed = mesh.seeds[0] as NovacronProcess
    nodes = mesh.nodes
    const everyone = [seed, ...nodes]
    await waitFor(async () => {
      for (const o of everyone) {
        const v = await view(o)
        if (v.members.length !== 4 || v.members.some(m => m.liveness !== 'alive')) return false
      }
      return true
    }, { timeoutMs: 40_000, what: 'every process sees all four alive' })
  }, 90_000)

  afterAll(async () => { await cluster?.destroy() })

  it('`novacron cluster` lists every node, the seed as bootstrap, with totals per site; --site filters', async () => {
    const [n1] = nodes as [NovacronProcess]
    const json = await runCli(['cluster', '--data-dir', n1.dataDir, '--json'])
    expect(json.code).toBe(0)
    const snap = JSON.parse(json.stdout) as ClusterSnapshot
    expect(snap.members).toHaveLength(4)
    expect(snap.members.find(m => m.peerId === seed.peerId)?.role).toBe('bootstrap')
    expect(snap.sites.map(s => s.site).sort()).toEqual(['node1', 'node2', 'node3', 'seed1'])
    const text = await runCli(['cluster', '--data-dir', n1.dataDir])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('*' + n1.peerId)
    expect(text.stdout).toMatch(/TOTAL\s+4\s+4\s+0\s+0/)
    const site = JSON.parse((await runCli(['cluster', '--data-dir', n1.dataDir, '--site', 'node2', '--json'])).stdout) as ClusterSnapshot
    expect(site.members.map(m => m.site)).toEqual(['node2'])
  })

  it('`novacron label set/rm` changes labels live on every node; bad input exits 2 and changes nothing', async () => {
    const [n1, n2] = nodes as [NovacronProcess, NovacronProcess]
    const set = await runCli(['label', 'set', 'tier=gold', 'gpu=none', '--data-dir', n2.dataDir])
    expect(set.code).toBe(0)
    expect(set.stdout).toContain('tier=gold')
    await waitFor(async () => (await view(n1)).members.find(m => m.peerId === n2.peerId)?.labels.tier === 'gold', { timeoutMs: 10_000, what: 'label on node1' })
    const bad = await runCli(['label', 'set', 'Bad Key=x', '--data-dir', n2.dataDir])
    expect(bad.code).toBe(2)
    const missing = await runCli(['label', 'rm', 'nope', '--data-dir', n2.dataDir])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('ERR_LABEL_NOT_FOUND')
    const rm = await runCli(['label', 'rm', 'gpu', '--data-dir', n2.dataDir])
    expect(rm.code).toBe(0)
    await waitFor(async () => {
      const labels = (await view(n1)).members.find(m => m.peerId === n2.peerId)?.labels
      return labels?.tier === 'gold' && labels.gpu === undefined
    }, { timeoutMs: 10_000, what: 'label removal on node1' })
  })

  it('a node killed with SIGKILL goes suspect, then dead, on the others; restarted it is alive again with a new boot epoch', async () => {
    const [n1, n2, n3] = nodes as [NovacronProcess, NovacronProcess, NovacronProcess]
    const epoch = (await view(n1)).members.find(m => m.peerId === n3.peerId)?.bootEpoch ?? 0
    await n3.stop('SIGKILL')
    const seen = new Map<NovacronProcess, string[]>([[n1, []], [n2, []]])
    await waitFor(async () => {
      for (const o of [n1, n2]) {
        const l = await livenessOn(o, n3) ?? 'absent'
        const trail = seen.get(o) as string[]
        if (trail[trail.length - 1] !== l) trail.push(l)
      }
      return [n1, n2].every(o => (seen.get(o) as string[]).at(-1) === 'dead')
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'killed node dead on the others' })
    for (const o of [n1, n2]) expect(seen.get(o)).toEqual(['alive', 'suspect', 'dead'])
    await n3.start()
    await waitFor(async () => {
      for (const o of [seed, n1, n2]) {
        const m = (await view(o)).members.find(x => x.peerId === n3.peerId)
        if (m?.liveness !== 'alive' || m.bootEpoch <= epoch) return false
      }
      return true
    }, { timeoutMs: 30_000, what: 'restarted node alive everywhere' })
  })
})
