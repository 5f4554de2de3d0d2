import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionGater } from '@libp2p/interface'
import type { NovacronNode } from '../../node/novacron-node.js'
import { MembershipCluster, allAlive, livenessOf } from '../helpers/membership-nodes.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Cut a node off the mesh with its own connection gater (deny every dial and every inbound/outbound
 * connection) and abort all its connections; `restore` lifts the gate. Nothing else is faked: the other
 * nodes keep dialling it and fail at the handshake, exactly as with a dead link.
 */
function cutOff (node: NovacronNode): { restore: () => void, open: () => number } {
  type Conn = { abort: (err: Error) => void }
  const libp2p = node.components.mesh.libp2p as unknown as {
    components: { connectionGater: ConnectionGater }
    getConnections: () => Conn[]
    addEventListener: (type: 'connection:open', fn: (evt: CustomEvent<Conn>) => void) => void
    removeEventListener: (type: 'connection:open', fn: (evt: CustomEvent<Conn>) => void) => void
  }
  const gater = libp2p.components.connectionGater
  const saved = { ...gater }
  const deny = (): boolean => true
  Object.assign(gater, { denyDialPeer: deny, denyDialMultiaddr: deny, denyInboundConnection: deny, denyOutboundConnection: deny })
  // a cut link drops at once: a graceful close can wait on its streams for a while on a loaded machine
  for (const c of libp2p.getConnections()) c.abort(new Error('link cut'))
  // a connection whose handshake was under way when the gate closed (its gater checks already passed) opens after
  // the cut: it dies too, as it would on a cut link (one such connection kept probes answered for 20 s)
  const late = (evt: CustomEvent<Conn>): void => { evt.detail.abort(new Error('link cut')) }
  libp2p.addEventListener('connection:open', late)
  return {
    // connections still open (each is aborted again)
    open: () => {
      const left = libp2p.getConnections()
      for (const c of left) c.abort(new Error('link cut'))
      return left.length
    },
    restore: () => {
      libp2p.removeEventListener('connection:open', late)
      for (const k of ['denyDialPeer', 'denyInboundConnection', 'denyOutboundConnection'] as const) delete gater[k]
      Object.assign(gater, saved)
    }
  }
}

describe('membership across a partition', () => {
  let cluster: MembershipCluster

  beforeAll(async () => {
    cluster = await MembershipCluster.create()
    for (let i = 0; i < 4; i++) await cluster.add({ site: i < 2 ? 'pop-1' : 'edge-2' })
    await waitFor(() => allAlive(cluster.nodes), { timeoutMs: 30_000, what: 'four nodes see each other alive' })
  })

  afterAll(async () => { await cluster?.stopAll() })

  it('a node cut off is declared dead by the others, sees them dead, and re-converges when restored', async () => {
    const isolated = cluster.nodes[3] as NovacronNode
    const rest = cluster.nodes.filter(n => n !== isolated)
    const epochBefore = isolated.membership.ownRecord().state.bootEpoch
    const seqBefore = isolated.membership.ownRecord().state.seq
    const gate = cutOff(isolated)
    try {
      await waitFor(() => gate.open() === 0, { timeoutMs: 5_000, what: 'the isolated node without connections' })
      await waitFor(() => rest.every(o => livenessOf(o, isolated) === 'dead'), { timeoutMs: 20_000, what: 'isolated node dead on the others' })
      await waitFor(() => rest.every(s => livenessOf(isolated, s) === 'dead'), { timeoutMs: 20_000, what: 'the others dead on the isolated node' })
      // the majority side stays healthy: one cut-off node does not make the others suspect each other
      expect(allAlive(rest)).toBe(true)
    } finally {
      gate.restore()
    }
    await waitFor(() => allAlive(cluster.nodes), { timeoutMs: 30_000, what: 're-convergence after the partition heals' })
    const after = isolated.membership.ownRecord().state
    expect(after.bootEpoch).toBe(epochBefore)
    // it refuted its death with a newer record, which every other node now holds
    expect(after.seq).toBeGreaterThan(seqBefore)
    // the isolated node may publish again meanwhile (heartbeat, inventory): every other node must reach its latest seq
    await waitFor(() => {
      const latest = isolated.membership.ownRecord().state.seq
      return rest.every(o => o.membership.view.get(after.peerId)?.version.seq === latest)
    }, { timeoutMs: 10_000, what: 'the others to hold the isolated node\'s latest record' })
  })
})
