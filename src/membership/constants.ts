import { protocolId } from '../constants.js'

/** Gossipsub topic that carries signed node state records and suspicions. */
export const STATE_TOPIC = protocolId('state', '1.0.0')
/** Anti-entropy: pull (and push) the full cluster view from one peer. */
export const STATE_SYNC_PROTOCOL = protocolId('state-sync', '1.0.0')
/** Failure-detector probes: direct ping and indirect ping-req (SWIM). */
export const PROBE_PROTOCOL = protocolId('probe', '1.0.0')

/** Domain separation prefix of a record signature. */
export const RECORD_SIGNATURE_DOMAIN = 'novacron-state-record:'

/** Largest signed record accepted (gossip message or sync entry). */
export const MAX_RECORD_BYTES = 32 * 1024
/** Largest gossip message on the state topic (a record plus envelope). */
export const MAX_GOSSIP_BYTES = MAX_RECORD_BYTES + 64
/** Per-record list limits. */
export const MAX_LABELS = 64
export const MAX_VMS = 256
export const MAX_GPUS = 16
export const MAX_ADDRESSES = 16
export const MAX_STRING = 256
/** Anti-entropy limits: members per exchange and bytes per message. */
export const MAX_SYNC_MEMBERS = 20_000
export const MAX_SYNC_BYTES = 24 * 1024 * 1024
/** Probe messages are tiny. */
export const MAX_PROBE_BYTES = 256

/**
 * How often the failure detector probes one member. Edge links are WAN-like and edge boxes are small, so the
 * defaults follow memberlist's WAN profile rather than its LAN one: at 32 real nodes on a shared 2-core box the
 * LAN-like 1 s / 500 ms / 5 s timings suspected slow-but-alive nodes and missed the 1 s convergence target
 * (benchmarks/gossip-convergence). @default 4000
 */
export const DEFAULT_PROBE_INTERVAL_MS = 4000
/** How long a direct probe may take before indirect probes are tried. @default 2000 */
export const DEFAULT_PROBE_TIMEOUT_MS = 2000
/** How many other members are asked to probe an unresponsive one. */
export const DEFAULT_INDIRECT_PROBES = 3
/** How long a member stays suspect (unless it refutes) before it is declared dead. @default 10000 */
export const DEFAULT_SUSPECT_TIMEOUT_MS = 10_000
/** How long a dead member stays visible as dead before it is forgotten. */
export const DEFAULT_DEAD_RETENTION_MS = 60_000
/** Slowest republish of an unchanged record (heartbeat). Grows with the cluster size, see state.md. */
export const DEFAULT_HEARTBEAT_MS = 10_000
/**
 * Byte budget per node per second (sent + received) for heartbeats: the heartbeat interval grows to
 * N × (recordBytes + GOSSIP_WIRE_OVERHEAD_BYTES) × GOSSIP_COPIES_PER_NODE / budget, so heartbeat traffic per
 * node stays flat as N grows (liveness does not depend on heartbeats: the SWIM probes carry it).
 */
export const DEFAULT_HEARTBEAT_BUDGET_BYTES_PER_S = 16 * 1024
/** Copies of each gossip message a node sends plus receives: about 2 × the gossipsub mesh degree D = 6. */
export const GOSSIP_COPIES_PER_NODE = 12
/** gossipsub envelope (from, seqno, topic, signature) + yamux + noise framing around one state message. */
export const GOSSIP_WIRE_OVERHEAD_BYTES = 170
/** Byte budget per node per second for periodic anti-entropy: the interval grows to N × digest entry / budget. */
export const DEFAULT_SYNC_BUDGET_BYTES_PER_S = 4 * 1024
/** Bytes of one digest entry in a sync request (peer ID multihash + two varints + framing). */
export const SYNC_DIGEST_ENTRY_BYTES = 52
/** Periodic anti-entropy with one random peer. */
export const DEFAULT_SYNC_INTERVAL_MS = 30_000
/** Timeout of one anti-entropy exchange. */
export const DEFAULT_SYNC_TIMEOUT_MS = 5000
/** How often resources (load, free memory/disk) are re-measured. */
export const DEFAULT_INVENTORY_INTERVAL_MS = 5000
/** Changes in free memory/disk smaller than this fraction of the total do not trigger a publish. */
export const RESOURCE_CHANGE_FRACTION = 0.02
