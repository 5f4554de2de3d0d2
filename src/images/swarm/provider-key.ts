import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'

const SHA2_256 = 0x12

/**
 * The DHT key under which providers of an image are announced: CID v1 (raw codec) of
 * sha256("novacron/image/" + name) for any version, and of sha256("novacron/image/" + name + "@" + version)
 * for one version.
 */
export function imageProviderKey (name: string, version?: string): CID {
  const text = `novacron/image/${name}${version != null ? `@${version}` : ''}`
  const digest = createHash('sha256').update(text).digest()
  return CID.createV1(raw.code, createDigest(SHA2_256, new Uint8Array(digest)))
}
