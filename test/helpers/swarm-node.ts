import { generateKeyPair } from '@libp2p/crypto/keys'
import { createMeshLibp2p, type MeshLibp2p } from '../../src/mesh/create-libp2p.js'
import { SwarmService, type SwarmImages, type SwarmServiceInit } from '../../src/images/swarm/swarm-service.js'
import type { Manifest } from '../../src/images/types.js'
import type { Database } from '../../src/storage/database.js'
import { MemoryChunkStore } from './swarm-fixtures.js'

export const FIXTURE_SIGNATURE = Uint8Array.from([1, 2, 3])

/** Images held in memory; a manifest "verifies" when it carries the fixture signature. */
export class MemoryImages implements SwarmImages {
  readonly manifests: Manifest[] = []

  async find (name: string, version?: string): Promise<Manifest | undefined> {
    return this.manifests.filter(m => m.name === name && (version == null || m.version === version)).sort((a, b) => b.createdAt - a.createdAt)[0]
  }

  async list (): Promise<Manifest[]> {
    return [...this.manifests]
  }

  async addPulled (m: Manifest): Promise<void> {
    if (!this.manifests.some(x => x.name === m.name && x.version === m.version)) this.manifests.push(m)
  }

  async verify (m: Manifest): Promise<boolean> {
    return Buffer.from(m.signature).equals(Buffer.from(FIXTURE_SIGNATURE))
  }
}

/** One in-process node: a real libp2p on 127.0.0.1/tcp/0 with the swarm service over an in-memory store. */
export class SwarmTestNode {
  constructor (readonly libp2p: MeshLibp2p, readonly swarm: SwarmService, readonly store: MemoryChunkStore, readonly images: MemoryImages) {}

  static async create (secret: Uint8Array, opts: { store?: MemoryChunkStore, db?: Database, swarm?: Partial<SwarmServiceInit> } = {}): Promise<SwarmTestNode> {
    const store = opts.store ?? new MemoryChunkStore()
    const images = new MemoryImages()
    const libp2p = await createMeshLibp2p({ privateKey: await generateKeyPair('Ed25519'), secret, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const swarm = new SwarmService({ libp2p, store, images, db: opts.db, lookupTimeoutMs: 3_000, resolveTimeoutMs: 4_000, providerRefreshMs: 500, ...opts.swarm })
    await libp2p.start()
    await swarm.start()
    return new SwarmTestNode(libp2p, swarm, store, images)
  }

  get id (): string {
    return this.libp2p.peerId.toString()
  }

  async dial (other: SwarmTestNode): Promise<void> {
    const ma = other.libp2p.getMultiaddrs()[0]
    if (ma == null) throw new Error('node has no address')
    await this.libp2p.dial(ma)
  }

  async stop (): Promise<void> {
    try {
      await this.swarm.stop()
    } finally {
      await this.libp2p.stop()
    }
  }
}
