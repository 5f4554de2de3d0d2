import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { DATA_DIR_FILES } from '../constants.js'
import { NovacronError } from '../errors.js'
import { writeFileAtomic } from '../storage/atomic-file.js'

export class IdentityError extends NovacronError {
  override name = 'IdentityError'
}

export interface Identity {
  privateKey: PrivateKey
  peerId: PeerId
}

export function peerKeyPath (dataDir: string): string {
  return join(dataDir, DATA_DIR_FILES.peerKey)
}

/** Create a new Ed25519 identity and store it (mode 0600). Refuses to replace an existing key. */
export async function createIdentity (dataDir: string): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  const path = peerKeyPath(dataDir)
  try {
    await readFile(path)
    throw new IdentityError(`${path} already exists; a node keeps its identity for life`, 'ERR_IDENTITY_EXISTS')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await writeFileAtomic(path, privateKeyToProtobuf(privateKey), 0o600)
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

/** Load the node's persistent identity, so a restarted node keeps its peer ID. */
export async function loadIdentity (dataDir: string): Promise<Identity> {
  const path = peerKeyPath(dataDir)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new IdentityError(`cannot read peer key ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): run \`novacron init\``, 'ERR_IDENTITY_MISSING')
  }
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new IdentityError(`peer key ${path} is corrupt (${(err as Error).message})`, 'ERR_IDENTITY_CORRUPT')
  }
  if (privateKey.type !== 'Ed25519') throw new IdentityError(`peer key ${path} is ${privateKey.type}, expected Ed25519`, 'ERR_IDENTITY_CORRUPT')
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}
