import { describe, it, expect, afterEach } from 'vitest'
import { generateSecret } from '../../src/secret/cluster-secret.js'
import { SwarmTestNode } from '../helpers/swarm-node.js'
import { makeImage, seedStore, testBytes, type TestImage } from '../helpers/swarm-fixtures.js'
import { waitFor } from '../helpers/wait-for.js'
import { DHT_PROTOCOL } from '../../src/constants.js'

const CHUNK = 16 * 1024

/** Count the provider announcements a node makes (kad-dht's provide), and how many of them have finished. */
function countProvides (n: SwarmTestNode): { started: number, finished: number } {
  const dht = n.libp2p.services.dht
  const provide = dht.provide.bind(dht)
  const counts = { started: 0, finished: 0 }
  dht.provide = async function * (...args: Parameters<typeof provide>) {
    counts.started++
    try {
      yield * provide(...args)
    } finally {
      counts.finished++
    }
  }
  return counts
}

/** Whether `a` has identified `b` as a DHT peer (kad-dht adds it to its routing table then). */
async function speaksDht (a: SwarmTestNode, b: SwarmTestNode): Promise<boolean> {
  return (await a.libp2p.peerStore.get(b.libp2p.peerId)).protocols.includes(DHT_PROTOCOL)
}

/** `n` holds `image` and announces it; resolves once both announcements (version and name) have ended. */
async function holdAndAnnounce (n: SwarmTestNode, image: TestImage, provides: { finished: number }, what: string): Promise<void> {
  await seedStore(n.store, image)
  n.images.manifests.push(image.manifest)
  n.swarm.announce(image.manifest)
  await waitFor(() => provides.finished === 2, { what })
}

describe('provider records announced again when peers arrive', () => {
  const nodes: SwarmTestNode[] = []
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop().catch(() => {})
  })

  it('a node that announced while cut off announces again once a peer connects, and the record outlives it', async () => {
    const secret = generateSecret()
    const image = makeImage('site-image', '1', testBytes(8, CHUNK), CHUNK)
    // the holder starts alone: its start-up announcement reaches nobody
    const holder = await SwarmTestNode.create(secret, { swarm: { reannounceSettleMs: 200 } })
    nodes.push(holder)
    const provides = countProvides(holder)
    await holdAndAnnounce(holder, image, provides, 'the isolated announcements to end')

    const relay = await SwarmTestNode.create(secret)
    nodes.push(relay)
    await holder.dial(relay)
    // the version and the name, announced again to the peer that arrived
    await waitFor(() => provides.finished === 4, { timeoutMs: 10_000, what: 'the announcements after the peer connected' })

    // the holder goes away; a node that only knows the relay still finds it as a provider (the relay holds its record)
    await holder.stop()
    nodes.splice(nodes.indexOf(holder), 1)
    const late = await SwarmTestNode.create(secret)
    nodes.push(late)
    await late.dial(relay)
    await waitFor(async () => (await late.swarm.providers('site-image', '1')).includes(holder.id), { timeoutMs: 10_000, what: "the relay's record of the holder" })
    expect(await late.swarm.providers('site-image')).toContain(holder.id)
  })

  it('a pass after a peer connects does not repeat announcements that reached every peer', async () => {
    const secret = generateSecret()
    const image = makeImage('fleet-image', '1', testBytes(8, CHUNK), CHUNK)
    // a settle long enough for a's identify of a new peer (which fills its routing table) on a loaded machine
    const a = await SwarmTestNode.create(secret, { swarm: { reannounceSettleMs: 1_000, reannounceGapMs: 200 } })
    const b = await SwarmTestNode.create(secret)
    nodes.push(a, b)
    await a.dial(b)
    await waitFor(async () => await speaksDht(a, b), { what: 'a to identify b as a DHT peer' })
    const provides = countProvides(a)
    await holdAndAnnounce(a, image, provides, 'the announcements to b')

    // a third node connects: the records reached 1 peer of the 2 a now has, so they go out again, once
    const c = await SwarmTestNode.create(secret)
    nodes.push(c)
    await a.dial(c)
    await waitFor(() => provides.finished === 4, { timeoutMs: 10_000, what: 'the announcements after c connected' })
    expect(await speaksDht(a, c)).toBe(true)

    // b reconnects (it dropped and came back): the pass runs (it lists the images) but finds that both records
    // reached both peers, and sends nothing
    let passes = 0
    const list = a.images.list.bind(a.images)
    a.images.list = async () => { passes++; return await list() }
    await a.libp2p.hangUp(b.libp2p.peerId)
    await a.dial(b)
    await waitFor(() => passes === 1, { timeoutMs: 10_000, what: 'the pass after b reconnected' })
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(provides.started).toBe(4)
  })
})
