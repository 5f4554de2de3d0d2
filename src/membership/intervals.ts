import {
  DEFAULT_HEARTBEAT_BUDGET_BYTES_PER_S, DEFAULT_SYNC_BUDGET_BYTES_PER_S, GOSSIP_COPIES_PER_NODE, GOSSIP_WIRE_OVERHEAD_BYTES, SYNC_DIGEST_ENTRY_BYTES
} from './constants.js'

/** The heartbeat interval for a cluster of `members` with records of `recordBytes`: flat bytes per node as N grows. */
export function heartbeatInterval (baseMs: number, members: number, recordBytes: number): number {
  return Math.max(baseMs, Math.ceil(members * (recordBytes + GOSSIP_WIRE_OVERHEAD_BYTES) * GOSSIP_COPIES_PER_NODE * 1000 / DEFAULT_HEARTBEAT_BUDGET_BYTES_PER_S))
}

/** The periodic anti-entropy interval for a cluster of `members`. */
export function syncInterval (baseMs: number, members: number): number {
  return Math.max(baseMs, Math.ceil(members * SYNC_DIGEST_ENTRY_BYTES * 1000 / DEFAULT_SYNC_BUDGET_BYTES_PER_S))
}
