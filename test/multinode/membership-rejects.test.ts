import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NovacronNode } from '../../node/novacron-node.js'
import { STATE_TOPIC, MAX_RECORD_BYTES } from '../../src/membership/constants.js'
import { encodeRecordMessage } from '../../src/membership/gossip-message.js'
import { NodeRecord } from '../../src/membership/pb/state.js'
import type { VerifiedRecord } from '../../src/membership/record.js'
import { MembershipCluster, allAlive } from '../helpers/membership-nodes.js'
import { waitFor } from '../helpers/wait-for.js'

const idOf = (n: NovacronNode): string => n.components.identity.peerId.toString()

async function rejected (n: NovacronNode, reason: string): Promise<number> {
  return (await n.membership.metrics.rejected.get()).values.find(v => v.labels.reason === reason)?.value ?? 0
}

describe('membership refuses forged, replayed, oversized and malformed state messages', () => {
  let cluster: MembershipCluster
  let honest: NovacronNode
  let victim: NovacronNode
  let attacker: NovacronNode

  beforeAll(async () => {
    cluster = await MembershipCluster.create()
    honest = await cluster.add()
    victim = await cluster.add()
    attacker = await cluster.add()
    await waitFor(() => allAlive(cluster.nodes), { timeoutMs: 30_000, what: 'three nodes see each other alive' })
  })

  afterAll(async () => { await cluster?.stopAll() })

  /** The attacker publishes raw bytes on the state topic, signed (as gossipsub requires) by its own key. */
  async function inject (data: Uint8Array): Promise<void> {
    await attacker.components.mesh.libp2p.services.pubsub.publish(STATE_TOPIC, data)
  }

  it('a record of another node relayed as the publisher\'s own is forged', async () => {
    const before = await rejected(honest, 'forged')
    const victimRecord = victim.membership.ownRecord()
    await inject(encodeRecordMessage(victimRecord.signed))
    await waitFor(async () => await rejected(honest, 'forged') > before, { timeoutMs: 10_000, what: 'forged counted' })
  })

  it('a newer record with a bad signature is forged and changes nothing', async () => {
    const own = attacker.membership.ownRecord()
    const pb = NodeRecord.decode(own.signed.record)
    pb.seq += 1000
    pb.labels = [{ key: 'evil', value: 'yes' }]
    const before = await rejected(honest, 'forged')
    await inject(encodeRecordMessage({ record: NodeRecord.encode(pb), signature: randomBytes(64) as Uint8Array<ArrayBuffer> }))
    await waitFor(async () => await rejected(honest, 'forged') > before, { timeoutMs: 10_000, what: 'bad signature counted' })
    const held = honest.membership.view.get(idOf(attacker))
    expect(held?.version.seq).toBeLessThan(Number(pb.seq))
    expect(held?.record.state.labels.evil).toBeUndefined()
  })

  it('a replayed older record of the publisher itself is stale and ignored', async () => {
    const old: VerifiedRecord = attacker.membership.ownRecord()
    await attacker.membership.changeLabels({ set: { gen: '2' } })
    await waitFor(() => honest.membership.view.get(idOf(attacker))?.record.state.labels.gen === '2', { timeoutMs: 10_000, what: 'new label on peer' })
    const before = await rejected(honest, 'stale')
    await inject(encodeRecordMessage(old.signed))
    await waitFor(async () => await rejected(honest, 'stale') > before, { timeoutMs: 10_000, what: 'stale counted' })
    expect(honest.membership.view.get(idOf(attacker))?.record.state.labels.gen).toBe('2')
  })

  it('oversized and malformed messages are dropped and counted', async () => {
    const big = await rejected(honest, 'oversized')
    await inject(randomBytes(MAX_RECORD_BYTES + 1024))
    await waitFor(async () => await rejected(honest, 'oversized') > big, { timeoutMs: 10_000, what: 'oversized counted' })
    const bad = await rejected(honest, 'malformed')
    await inject(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]))
    await waitFor(async () => await rejected(honest, 'malformed') > bad, { timeoutMs: 10_000, what: 'malformed counted' })
    const text = await (await fetch(`${honest.apiUrl}/metrics`)).text()
    for (const reason of ['forged', 'stale', 'oversized', 'malformed']) {
      expect(text).toMatch(new RegExp(`novacron_membership_records_rejected_total\\{reason="${reason}"\\} [1-9]`))
    }
    // nothing rejected made it into any view
    expect(allAlive(cluster.nodes)).toBe(true)
    expect(honest.membership.view.size).toBe(3)
  })
})
