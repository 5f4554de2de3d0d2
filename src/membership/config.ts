import type { SectionParser } from '../config/schema.js'
import { FieldProblem, readInt, rejectUnknown } from '../config/fields.js'
import {
  DEFAULT_DEAD_RETENTION_MS, DEFAULT_HEARTBEAT_MS, DEFAULT_INDIRECT_PROBES, DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_SUSPECT_TIMEOUT_MS, DEFAULT_SYNC_INTERVAL_MS
} from './constants.js'

/** The `membership` section of config.json (all fields optional, in milliseconds). */
export interface MembershipConfig {
  probeIntervalMs: number
  probeTimeoutMs: number
  indirectProbes: number
  suspectTimeoutMs: number
  deadRetentionMs: number
  heartbeatMs: number
  syncIntervalMs: number
}

const FIELDS = ['probeIntervalMs', 'probeTimeoutMs', 'indirectProbes', 'suspectTimeoutMs', 'deadRetentionMs', 'heartbeatMs', 'syncIntervalMs']

export const membershipSection: SectionParser = {
  key: 'membership',
  parse (raw, path): MembershipConfig {
    rejectUnknown(raw, FIELDS, path)
    const c: MembershipConfig = {
      probeIntervalMs: readInt(raw, 'probeIntervalMs', `${path}.probeIntervalMs`, { default: DEFAULT_PROBE_INTERVAL_MS, min: 50, max: 600_000 }),
      probeTimeoutMs: readInt(raw, 'probeTimeoutMs', `${path}.probeTimeoutMs`, { default: DEFAULT_PROBE_TIMEOUT_MS, min: 10, max: 60_000 }),
      indirectProbes: readInt(raw, 'indirectProbes', `${path}.indirectProbes`, { default: DEFAULT_INDIRECT_PROBES, min: 0, max: 16 }),
      suspectTimeoutMs: readInt(raw, 'suspectTimeoutMs', `${path}.suspectTimeoutMs`, { default: DEFAULT_SUSPECT_TIMEOUT_MS, min: 100, max: 3_600_000 }),
      deadRetentionMs: readInt(raw, 'deadRetentionMs', `${path}.deadRetentionMs`, { default: DEFAULT_DEAD_RETENTION_MS, min: 100, max: 7 * 86_400_000 }),
      heartbeatMs: readInt(raw, 'heartbeatMs', `${path}.heartbeatMs`, { default: DEFAULT_HEARTBEAT_MS, min: 100, max: 3_600_000 }),
      syncIntervalMs: readInt(raw, 'syncIntervalMs', `${path}.syncIntervalMs`, { default: DEFAULT_SYNC_INTERVAL_MS, min: 100, max: 3_600_000 })
    }
    if (c.probeTimeoutMs * 3 > c.probeIntervalMs * 2) {
      // a round is a direct probe then indirect ones (twice the timeout); it must end before the next round
      throw new FieldProblem(`${path}.probeTimeoutMs`, `must be at most 2/3 of probeIntervalMs (${c.probeIntervalMs})`)
    }
    return c
  }
}

export function membershipConfigOf (sections: Record<string, unknown>): MembershipConfig {
  return (sections.membership as MembershipConfig | undefined) ?? membershipSection.parse({}, 'membership') as MembershipConfig
}
