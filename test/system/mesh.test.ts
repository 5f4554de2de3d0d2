import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'
import { runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Real `novacron` processes on 127.0.0.1: 2 bootstrap seeds + 4 nodes that know only the seeds.
 * The tests run in order and share the cluster (each one builds on the state the previous left).
 */
describe('mesh of real novacron processes', () => {
  let cluster: TestCluster
  let seeds: NovacronProcess[]
  let nodes: NovacronProcess[]

  beforeAll(async () => {
    cluster = await TestCluster.create()
    ;({ seeds, nodes } = await cluster.startMesh({ bootstraps: 2, nodes: 4 }))
  }, 120_000)

  afterAll(async () => {
    await cluster?.destroy()
  })

  it('every node lists every other member as connected, found through the seeds and the DHT', async () => {
    const everyone = [...seeds, ...nodes]
    for (const n of everyone) {
      const others = everyone.filter(o => o !== n).map(o => o.peerId)
      await waitFor(async () => {
        const connected = await n.connectedPeerIds()
        return others.every(id => connected.has(id))
      }, { timeoutMs: 30_000, what: `${n.name} to see all ${others.length} others` })
    }
    // nodes learnt each other's roles through identify
    const peers = await nodes[0]!.peers()
    expect(peers.filter(p => p.role === 'bootstrap').map(p => p.peerId).sort()).toEqual(seeds.map(s => s.peerId).sort())
    expect(peers.filter(p => p.role === 'node')).toHaveLength(3)
  })

  it('status and peers answer through the CLI, as JSON and as tables', async () => {
    const status = await runCli(['status', '--data-dir', nodes[0]!.dataDir, '--json'])
    expect(status.code).toBe(0)
    const s = JSON.parse(status.stdout)
    expect(s).toMatchObject({ peerId: nodes[0]!.peerId, role: 'node', site: 'node1', version: expect.any(String) })
    expect(s.addresses[0]).toContain(`/p2p/${nodes[0]!.peerId}`)
    expect(s.connections).toBeGreaterThanOrEqual(5)
    expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0)

    const seedStatus = JSON.parse((await runCli(['status', '--api', seeds[0]!.apiUrl, '--json'])).stdout)
    expect(seedStatus.role).toBe('bootstrap')

    const table = await runCli(['peers', '--data-dir', nodes[1]!.dataDir])
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^PEER\s+ROLE\s+SITE\s+CONNECTED\s+LATENCY/)
    for (const other of [...seeds, nodes[0]!, nodes[2]!, nodes[3]!]) expect(table.stdout).toContain(other.peerId)

    const peersJson = JSON.parse((await runCli(['peers', '--data-dir', nodes[1]!.dataDir, '--json'])).stdout) as Array<Record<string, unknown>>
    expect(peersJson.length).toBe(5)
    for (const p of peersJson) expect(p).toMatchObject({ peerId: expect.any(String), addresses: expect.any(Array), connected: true })
    // the connection monitor measures latency within a few seconds
    await waitFor(async () => (await nodes[1]!.peers()).some(p => typeof p.latencyMs === 'number'), { timeoutMs: 30_000, what: 'a latency measurement' })
  })

  it('exposes Prometheus metrics including libp2p\'s own', async () => {
    const res = await fetch(`${nodes[0]!.apiUrl}/metrics`)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toMatch(/^libp2p_/m)
    expect(text).toMatch(/^process_resident_memory_bytes /m)
  })

  it('finds a peer through the DHT by ID', async () => {
    const r = await runCli(['peers', 'find', nodes[3]!.peerId, '--data-dir', nodes[0]!.dataDir, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const found = JSON.parse(r.stdout)
    expect(found.peerId).toBe(nodes[3]!.peerId)
    expect(found.addresses.join(' ')).toContain(`/tcp/${nodes[3]!.p2pPort}`)
  })

  it('refuses a node holding another cluster secret: it never appears in anyone\'s peer list', async () => {
    const other = await TestCluster.create('novacron-intruder-')
    try {
      const intruder = await other.init('node', { name: 'intruder', bootstrap: seeds.map(s => s.addr) })
      await intruder.start()
      // give it time to try the seeds (and anything else) several times
      await new Promise(resolve => setTimeout(resolve, 4000))
      const st = await intruder.get<{ connections: number }>('/api/v1/status')
      expect(st.connections).toBe(0)
      for (const n of [...seeds, ...nodes]) {
        const ids = (await n.peers()).map(p => p.peerId)
        expect(ids).not.toContain(intruder.peerId)
      }
      expect(await intruder.peers()).toEqual([])
    } finally {
      await other.destroy()
    }
  })

  it('notices a killed node, and a restarted node comes back with the same peer ID', async () => {
    const victim = nodes[3]!
    await victim.stop('SIGKILL')
    for (const n of nodes.slice(0, 3)) {
      await waitFor(async () => (await n.peers()).some(p => p.peerId === victim.peerId && !p.connected), { timeoutMs: 20_000, what: `${n.name} to notice the kill` })
    }
    await victim.start()
    const st = await victim.get<{ peerId: string }>('/api/v1/status')
    expect(st.peerId).toBe(victim.peerId)
    await waitFor(async () => (await nodes[0]!.connectedPeerIds()).has(victim.peerId), { timeoutMs: 30_000, what: 'the restarted node to reconnect' })
  })

  it('keeps admitting new nodes through the other seed when one seed is down', async () => {
    await seeds[0]!.stop('SIGKILL')
    const late = await cluster.init('node', { name: 'late', bootstrap: seeds.map(s => s.addr) })
    await late.start()
    const expected = [seeds[1]!, ...nodes].map(p => p.peerId)
    await waitFor(async () => {
      const connected = await late.connectedPeerIds()
      return expected.every(id => connected.has(id))
    }, { timeoutMs: 30_000, what: 'the late node to reach every live member' })
    await waitFor(async () => (await nodes[0]!.connectedPeerIds()).has(late.peerId), { timeoutMs: 20_000, what: 'existing nodes to see the late node' })
  })

  it('remembers the mesh on disk: with every seed down, restarted nodes find each other again', async () => {
    await seeds[1]!.stop('SIGKILL')
    const [a, b, c, d] = nodes as [NovacronProcess, NovacronProcess, NovacronProcess, NovacronProcess]
    await Promise.all([b, c, d].map(async n => { await n.stop('SIGTERM') }))
    await a.stop('SIGTERM')
    await a.start()
    // nobody else is up: what a lists now can only come from its peer store on disk
    const listed = await a.peers()
    for (const other of [b, c, d, ...seeds]) expect(listed.find(p => p.peerId === other.peerId)).toMatchObject({ connected: false })
    await Promise.all([b, c, d].map(async n => { await n.start() }))
    for (const n of [a, b, c, d]) {
      const others = [a, b, c, d].filter(o => o !== n).map(o => o.peerId)
      await waitFor(async () => {
        const connected = await n.connectedPeerIds()
        return others.every(id => connected.has(id))
      }, { timeoutMs: 30_000, what: `${n.name} to find the others without any seed` })
    }
  })

  it('stops cleanly on SIGTERM and SIGINT, logging JSON lines', async () => {
    const a = nodes[1]!
    const ms = await a.stop('SIGTERM')
    expect(a.exitCode).toBe(0)
    expect(ms).toBeLessThan(8000)
    const b = nodes[2]!
    await b.stop('SIGINT')
    expect(b.exitCode).toBe(0)
    const lines = a.logs.trim().split('\n')
    for (const line of lines) {
      const rec = JSON.parse(line)
      expect(rec).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) })
    }
    expect(lines.at(-1)).toContain('node stopped')
    // the data dir is reusable at once: storage was closed and flushed
    await a.start()
    expect((await a.get<{ peerId: string }>('/api/v1/status')).peerId).toBe(a.peerId)
  })

  it('an unreachable node is reported in one line with a non-zero exit', async () => {
    const r = await runCli(['status', '--api', 'http://127.0.0.1:9', '--json'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('unreachable')
  })
})
