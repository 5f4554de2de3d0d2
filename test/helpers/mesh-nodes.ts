import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Mesh, type NodeRole } from '../../src/mesh/mesh.js'
import { generateSecret } from '../../src/secret/cluster-secret.js'

export { generateSecret }

/** A real in-process mesh node on 127.0.0.1/tcp/0 (no data dir, no API). */
export async function meshNode (opts: { secret: Uint8Array, role?: NodeRole, bootstrap?: string[], connector?: boolean }): Promise<Mesh> {
  const privateKey = await generateKeyPair('Ed25519')
  const mesh = await Mesh.create({
    identity: { privateKey, peerId: peerIdFromPrivateKey(privateKey) },
    secret: opts.secret,
    role: opts.role ?? 'node',
    site: 'test',
    version: 'test',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: opts.bootstrap,
    connector: { enabled: opts.connector ?? true, fastIntervalMs: 500 }
  })
  await mesh.start()
  return mesh
}
