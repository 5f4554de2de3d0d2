import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DATA_DIR_FILES, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_LISTEN, DEFAULT_MAX_CONNECTIONS, DEFAULT_TARGET_PEERS } from '../constants.js'
import { ConfigError } from './errors.js'
import { FieldProblem } from './fields.js'
import { configPath, saveConfig } from './load.js'
import { CONFIG_VERSION, parseConfig, type NodeConfig } from './schema.js'
import { CONFIG_SECTIONS } from './sections.js'
import { createIdentity } from '../identity/identity.js'
import { ensureApiToken } from '../api/token.js'
import { encodeSecret, readSecret } from '../secret/cluster-secret.js'
import { writeFileAtomic } from '../storage/atomic-file.js'

export interface InitOptions {
  dataDir: string
  /** The cluster secret to join with; copied into the data dir (mode 0600). */
  secretFile: string
  listen?: string[]
  announce?: string[]
  api?: { host: string, port: number }
  site?: string
  region?: string
  zone?: string
  labels?: Record<string, string>
  bootstrap?: string[]
}

export interface InitResult {
  dataDir: string
  peerId: string
  config: NodeConfig
}

/**
 * Create a data dir: config.json, a new Ed25519 peer key, the API token and a copy of the cluster secret.
 * Validates everything before writing anything; refuses a dir that already holds a node.
 */
export async function initDataDir (opts: InitOptions): Promise<InitResult> {
  const secret = await readSecret(opts.secretFile)
  const file = configPath(opts.dataDir)
  let config: NodeConfig
  try {
    config = parseConfig({
      version: CONFIG_VERSION,
      site: opts.site ?? 'default',
      region: opts.region,
      zone: opts.zone,
      labels: opts.labels ?? {},
      listen: opts.listen ?? [DEFAULT_LISTEN],
      announce: opts.announce ?? [],
      bootstrap: opts.bootstrap ?? [],
      api: opts.api ?? { host: DEFAULT_API_HOST, port: DEFAULT_API_PORT },
      secretFile: DATA_DIR_FILES.secret,
      connections: { max: DEFAULT_MAX_CONNECTIONS, targetPeers: DEFAULT_TARGET_PEERS },
      logLevel: 'info'
    }, CONFIG_SECTIONS)
  } catch (err) {
    if (err instanceof FieldProblem) throw new ConfigError(file, err.field, err.problem)
    throw err
  }
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 })
  const existing = await readdir(opts.dataDir)
  if (existing.includes(DATA_DIR_FILES.config) || existing.includes(DATA_DIR_FILES.peerKey)) {
    throw new ConfigError(file, '(file)', 'the data dir already holds a node; refusing to overwrite it', 'ERR_DATA_DIR_EXISTS')
  }
  const identity = await createIdentity(opts.dataDir)
  await writeFileAtomic(join(opts.dataDir, DATA_DIR_FILES.secret), encodeSecret(secret), 0o600)
  await ensureApiToken(opts.dataDir)
  await saveConfig(opts.dataDir, config)
  return { dataDir: opts.dataDir, peerId: peerIdFromPrivateKey(identity.privateKey).toString(), config }
}
