import type { Member } from './cluster-view.js'
import type { VerifiedRecord } from './record.js'
import type { Liveness, NodeState } from './types.js'

/** One member as the API shows it: its record's content (less the signing time) and how this node sees it. */
export interface MemberInfo extends Omit<NodeState, 'issuedAtMs'> {
  self: boolean
  liveness: Liveness
  /** Seconds since the liveness last changed. */
  livenessAgeSeconds: number
  /** Seconds since this version of the record arrived (0 for this node's own). */
  recordAgeSeconds: number
}

/** Sums over the members of one site (or the whole cluster). Resources count only members not dead. */
export interface SiteTotals {
  site: string
  nodes: number
  alive: number
  suspect: number
  dead: number
  cpuCores: number
  memoryTotal: number
  memoryFree: number
  diskTotal: number
  diskFree: number
  gpus: number
  vms: number
  vmVcpus: number
  vmMemoryBytes: number
}

export interface ClusterSnapshot {
  self: string
  members: MemberInfo[]
  sites: SiteTotals[]
  totals: SiteTotals
}

function memberInfo (m: Member<{ state: NodeState }>, selfId: string, now: number): MemberInfo {
  const s = m.record.state
  const info: MemberInfo = {
    peerId: m.id,
    self: m.id === selfId,
    liveness: m.liveness,
    livenessAgeSeconds: Math.max(0, Math.round((now - m.livenessSince) / 100) / 10),
    recordAgeSeconds: Math.max(0, Math.round((now - m.receivedAt) / 100) / 10),
    bootEpoch: s.bootEpoch,
    seq: s.seq,
    role: s.role,
    site: s.site,
    labels: s.labels,
    resources: s.resources,
    vms: s.vms,
    addresses: s.addresses,
    version: s.version
  }
  if (s.region != null) info.region = s.region
  if (s.zone != null) info.zone = s.zone
  return info
}

function emptyTotals (site: string): SiteTotals {
  return { site, nodes: 0, alive: 0, suspect: 0, dead: 0, cpuCores: 0, memoryTotal: 0, memoryFree: 0, diskTotal: 0, diskFree: 0, gpus: 0, vms: 0, vmVcpus: 0, vmMemoryBytes: 0 }
}

function add (t: SiteTotals, m: MemberInfo): void {
  t.nodes++
  t[m.liveness]++
  if (m.liveness === 'dead') return
  const r = m.resources
  t.cpuCores += r.cpuCores
  t.memoryTotal += r.memoryTotal
  t.memoryFree += r.memoryFree
  t.diskTotal += r.diskTotal
  t.diskFree += r.diskFree
  t.gpus += r.gpus.length
  t.vms += m.vms.length
  for (const vm of m.vms) {
    t.vmVcpus += vm.vcpus
    t.vmMemoryBytes += vm.memoryBytes
  }
}

/** The cluster view as the API and CLI show it, optionally only one site; sorted by site then peer ID. */
export function clusterSnapshot (members: Array<Member<VerifiedRecord>>, selfId: string, now: number, site?: string): ClusterSnapshot {
  const infos = members.map(m => memberInfo(m, selfId, now))
    .filter(m => site == null || m.site === site)
    .sort((a, b) => a.site.localeCompare(b.site) || a.peerId.localeCompare(b.peerId))
  const bySite = new Map<string, SiteTotals>()
  const totals = emptyTotals('*')
  for (const m of infos) {
    let t = bySite.get(m.site)
    if (t == null) bySite.set(m.site, t = emptyTotals(m.site))
    add(t, m)
    add(totals, m)
  }
  return { self: selfId, members: infos, sites: [...bySite.values()], totals }
}
