import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Mesh, type NodeRole } from '../../src/mesh/mesh.js'
import { generateSecret } from '../../src/secret/cluster-secret.js'

export { generateSecret }

/** A real in-process mesh node on 127.0.0.1/tcp/0 (no data dir, no API). */
export async function meshNode (opts: {
  secret: Uint8Array, role?: NodeRole, bootstrap?: string[], connector?: boolean, privateKey?: PrivateKey, listen?: string[], fastIntervalMs?: number
}): Promise<Mesh> {
  const privateKey = opts.privateKey ?? await generateKeyPair('Ed25519')
  const mesh = await Mesh.create({
    identity: { privateKey, peerId: peerIdFromPrivateKey(privateKey) },
    secret: opts.secret,
    role: opts.role ?? 'node',
    site: 'test',
    version: 'test',
    listen: opts.listen ?? ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: opts.bootstrap,
    connector: { enabled: opts.connector ?? true, fastIntervalMs: opts.fastIntervalMs ?? 500 }
  })
  await mesh.start()
  return mesh
}
