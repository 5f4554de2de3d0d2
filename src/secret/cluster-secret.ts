import { createHmac, randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { NovacronError } from '../errors.js'
import { writeFileAtomic } from '../storage/atomic-file.js'

export class SecretError extends NovacronError {
  override name = 'SecretError'
}

/** First line of a secret file; the second line is 64 hex digits (32 random bytes). */
export const SECRET_HEADER = '/novacron/cluster-secret/1'
const SECRET_BYTES = 32
/** Domain-separation label of the noise prologue derived from the secret. */
const PROLOGUE_LABEL = 'novacron/noise-prologue/1'

export function generateSecret (): Uint8Array {
  return randomBytes(SECRET_BYTES)
}

export function encodeSecret (secret: Uint8Array): string {
  return `${SECRET_HEADER}\n${Buffer.from(secret).toString('hex')}\n`
}

export function decodeSecret (text: string, file: string): Uint8Array {
  const lines = text.trim().split(/\r?\n/)
  if (lines.length !== 2 || lines[0] !== SECRET_HEADER) {
    throw new SecretError(`${file} is not a cluster secret file (expected "${SECRET_HEADER}" then 64 hex digits)`, 'ERR_SECRET_FORMAT')
  }
  const hex = lines[1] ?? ''
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new SecretError(`${file}: the key must be 64 lowercase hex digits`, 'ERR_SECRET_FORMAT')
  return Buffer.from(hex, 'hex')
}

/** Write a new secret file with mode 0600; never overwrites an existing file. */
export async function writeNewSecret (file: string): Promise<void> {
  try {
    await stat(file)
    throw new SecretError(`${file} already exists; refusing to overwrite a cluster secret`, 'ERR_SECRET_EXISTS')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await writeFileAtomic(file, encodeSecret(generateSecret()), 0o600)
}

export async function readSecret (file: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new SecretError(`cannot read cluster secret ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'ERR_SECRET_MISSING')
  }
  return decodeSecret(text, file)
}

/**
 * The noise handshake prologue of this cluster. Both ends mix it into the handshake hash, so a peer
 * holding another secret (or none) fails the handshake before any libp2p protocol runs: it never gets
 * a connection, never completes identify, and never enters a peer list.
 */
export function clusterPrologue (secret: Uint8Array): Uint8Array {
  return createHmac('sha256', secret).update(PROLOGUE_LABEL).digest()
}
