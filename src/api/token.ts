import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DATA_DIR_FILES } from '../constants.js'
import { NovacronError } from '../errors.js'
import { writeFileAtomic } from '../storage/atomic-file.js'

export function tokenPath (dataDir: string): string {
  return join(dataDir, DATA_DIR_FILES.apiToken)
}

/** Read the API token of a data dir, creating one (mode 0600) if there is none yet. */
export async function ensureApiToken (dataDir: string): Promise<string> {
  try {
    return await readApiToken(dataDir)
  } catch (err) {
    if ((err as NovacronError).code !== 'ERR_TOKEN_MISSING') throw err
  }
  const token = randomBytes(32).toString('base64url')
  await writeFileAtomic(tokenPath(dataDir), token + '\n', 0o600)
  return token
}

export async function readApiToken (dataDir: string): Promise<string> {
  let text: string
  try {
    text = await readFile(tokenPath(dataDir), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new NovacronError(`cannot read API token ${tokenPath(dataDir)} (${code ?? String(err)})`, code === 'ENOENT' ? 'ERR_TOKEN_MISSING' : 'ERR_TOKEN_UNREADABLE')
  }
  const token = text.trim()
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) throw new NovacronError(`API token ${tokenPath(dataDir)} is malformed`, 'ERR_TOKEN_MALFORMED')
  return token
}
