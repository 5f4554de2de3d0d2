import { describe, expect, it } from 'vitest'
import { imageProviderKey } from '../../src/images/swarm/provider-key.js'
import { ProviderRecords, type ProvideEvent } from '../../src/images/swarm/provider-records.js'

/** A kad-dht provide stand-in: each call walks (FIND_NODE answers) and then reaches `reach` peers, or fails. */
function fakeDht (): { provide: (key: unknown) => AsyncIterable<ProvideEvent>, calls: string[], reach: { peers: number, fail: boolean }, gate: { wait?: Promise<void> } } {
  const calls: string[] = []
  const reach = { peers: 3, fail: false }
  const gate: { wait?: Promise<void> } = {}
  return {
    calls,
    reach,
    gate,
    provide: async function * (key: unknown) {
      calls.push(String(key))
      await gate.wait
      yield { name: 'PEER_RESPONSE', messageName: 'FIND_NODE' }
      if (reach.fail) throw new Error('query aborted')
      for (let i = 0; i < reach.peers; i++) yield { name: 'PEER_RESPONSE', messageName: 'ADD_PROVIDER' }
    }
  }
}

const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
const key = imageProviderKey('disk', '1')

describe('ProviderRecords', () => {
  it('does not repeat an announcement that reached as many peers as the node is connected to', async () => {
    const dht = fakeDht()
    let connected = 3
    const records = new ProviderRecords({ provide: dht.provide, connectedPeers: () => connected })
    records.announce(key, 'disk@1')
    await settle()
    records.announce(key, 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(1)
    // a fourth peer connected since: announce again
    connected = 4
    records.announce(key, 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(2)
    expect(records.counts).toEqual({ started: 2, skipped: 1 })
    // another key is its own record
    records.announce(imageProviderKey('disk'), 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(3)
  })

  it('announces again once the last announcement is freshMs old, and after one that failed', async () => {
    const dht = fakeDht()
    let clock = 0
    const records = new ProviderRecords({ provide: dht.provide, connectedPeers: () => 3, freshMs: 1000, now: () => clock })
    records.announce(key, 'disk@1')
    await settle()
    clock = 999
    records.announce(key, 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(1)
    clock = 1000
    dht.reach.fail = true
    records.announce(key, 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(2)
    // the failed one recorded nothing: the next one goes out
    dht.reach.fail = false
    records.announce(key, 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(3)
  })

  it('always announces with no connection, and never starts a second announcement of a key under way', async () => {
    const dht = fakeDht()
    let open!: () => void
    dht.gate.wait = new Promise(resolve => { open = resolve })
    let connected = 0
    dht.reach.peers = 0
    const records = new ProviderRecords({ provide: dht.provide, connectedPeers: () => connected })
    records.announce(key, 'disk@1')
    records.announce(key, 'disk@1')
    expect(dht.calls).toHaveLength(1)
    open()
    await settle()
    // it reached nobody (no connection then); with a peer now, it goes out again
    connected = 1
    dht.reach.peers = 1
    records.announce(key, 'disk@1')
    await settle()
    expect(dht.calls).toHaveLength(2)
    expect(records.counts).toEqual({ started: 2, skipped: 1 })
  })
})
