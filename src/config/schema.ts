import {
  DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_LISTEN, DEFAULT_MAX_CONNECTIONS, DEFAULT_TARGET_PEERS, DATA_DIR_FILES
} from '../constants.js'
import {
  FieldProblem, NAME, isRecord, readInt, readLabels, readObject, readOptionalString, readString,
  readStringArray, rejectUnknown, type Raw
} from './fields.js'
import { checkMultiaddr } from './multiaddr-field.js'
import type { LogLevel } from '../logging/logger.js'

export const CONFIG_VERSION = 1

export interface ApiConfig {
  host: string
  port: number
}

export interface ConnectionsConfig {
  /** Connection-manager ceiling. */
  max: number
  /** How many peers the connector keeps dialled when it knows of more. */
  targetPeers: number
}

/** The whole node config (`config.json` in the data dir). */
export interface NodeConfig {
  version: number
  site: string
  region?: string
  zone?: string
  labels: Record<string, string>
  /** libp2p listen multiaddrs. */
  listen: string[]
  /** Addresses announced to peers instead of the listen addresses (NAT, port forwards). */
  announce: string[]
  /** Bootstrap seed multiaddrs, each ending in /p2p/<peer id>. */
  bootstrap: string[]
  api: ApiConfig
  /** Cluster secret file, relative to the data dir unless absolute. */
  secretFile: string
  connections: ConnectionsConfig
  logLevel: LogLevel
  /** Sections owned by later services, validated by their own parsers (see sections.ts). */
  sections: Record<string, unknown>
}

const CORE_FIELDS = ['version', 'site', 'region', 'zone', 'labels', 'listen', 'announce', 'bootstrap', 'api', 'secretFile', 'connections', 'logLevel'] as const

export interface SectionParser {
  /** Top-level key in config.json. */
  key: string
  /** Validate the raw section (`{}` when absent) and return the parsed value; throw FieldProblem. */
  parse(raw: Raw, path: string): unknown
}

/** Parse and validate a config object. Throws FieldProblem naming the first bad field. */
export function parseConfig (raw: unknown, sections: readonly SectionParser[] = []): NodeConfig {
  if (!isRecord(raw)) throw new FieldProblem('(root)', 'must be a JSON object')
  rejectUnknown(raw, [...CORE_FIELDS, ...sections.map(s => s.key)], '')
  const version = readInt(raw, 'version', 'version', { min: CONFIG_VERSION, max: CONFIG_VERSION })
  const api = readObject(raw, 'api', 'api')
  rejectUnknown(api, ['host', 'port'], 'api')
  const conns = readObject(raw, 'connections', 'connections')
  rejectUnknown(conns, ['max', 'targetPeers'], 'connections')
  const logLevel = readString(raw, 'logLevel', 'logLevel', { default: 'info', pattern: /^(debug|info|warn|error)$/ }) as LogLevel
  const parsedSections: Record<string, unknown> = {}
  for (const s of sections) parsedSections[s.key] = s.parse(readObject(raw, s.key, s.key), s.key)
  return {
    version,
    site: readString(raw, 'site', 'site', { pattern: NAME, max: 64 }),
    region: readOptionalString(raw, 'region', 'region', { pattern: NAME, max: 64 }),
    zone: readOptionalString(raw, 'zone', 'zone', { pattern: NAME, max: 64 }),
    labels: readLabels(raw, 'labels', 'labels'),
    listen: readStringArray(raw, 'listen', 'listen', (s, p) => { checkMultiaddr(s, p) }, { default: [DEFAULT_LISTEN] }),
    announce: readStringArray(raw, 'announce', 'announce', (s, p) => { checkMultiaddr(s, p) }, { default: [] }),
    bootstrap: readStringArray(raw, 'bootstrap', 'bootstrap', (s, p) => { checkMultiaddr(s, p, true) }, { default: [] }),
    api: {
      host: readString(api, 'host', 'api.host', { default: DEFAULT_API_HOST, pattern: /^[A-Za-z0-9.:-]+$/ }),
      port: readInt(api, 'port', 'api.port', { default: DEFAULT_API_PORT, min: 0, max: 65535 })
    },
    secretFile: readString(raw, 'secretFile', 'secretFile', { default: DATA_DIR_FILES.secret, max: 4096 }),
    connections: {
      max: readInt(conns, 'max', 'connections.max', { default: DEFAULT_MAX_CONNECTIONS, min: 4, max: 10_000 }),
      targetPeers: readInt(conns, 'targetPeers', 'connections.targetPeers', { default: DEFAULT_TARGET_PEERS, min: 0, max: 10_000 })
    },
    logLevel,
    sections: parsedSections
  }
}

/** The JSON form written to disk (sections flattened back to top-level keys). */
export function configToJson (config: NodeConfig): Raw {
  const { sections, ...core } = config
  const out: Raw = { ...core }
  for (const [k, v] of Object.entries(sections)) out[k] = v
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  return out
}
