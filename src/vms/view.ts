import type { DomainStateName } from './hypervisor.js'
import type { DesiredState, VmRecord } from './store.js'
import type { VmNetwork } from './spec.js'

/** Actual state as reported: the domain's state, or why there is none. */
export type VmState = DomainStateName | 'missing' | 'foreign' | 'unknown' | 'creating'

/** Where a create in progress is (`state: 'creating'`); bytes while the image is materialised. */
export interface CreateProgress {
  step: 'materialise' | 'overlay' | 'define' | 'start'
  doneBytes?: number
  totalBytes?: number
}

/** One VM as the API shows it. */
export interface VmView {
  name: string
  state: VmState
  desired: DesiredState
  host: string
  vcpus: number
  memoryBytes: number
  gpus: number
  network: VmNetwork
  labels: Record<string, string>
  image: { ref: string, name: string, version: string }
  disk: { path: string, virtualBytes: number, allocatedBytes?: number }
  kernel?: { path: string, initrd?: string, cmdline?: string }
  /** Seconds since this node started the domain; null when not running. */
  uptimeSeconds: number | null
  createdAt: string
  domain?: { id: number | null, uuid: string }
  progress?: CreateProgress
}

export function toView (rec: VmRecord, host: string, state: VmState, extra: { allocatedBytes?: number, domain?: { id: number | null, uuid: string }, progress?: CreateProgress } = {}, now = Date.now()): VmView {
  const { spec } = rec
  const running = state === 'running' || state === 'blocked' || state === 'paused'
  const view: VmView = {
    name: spec.name,
    state,
    desired: rec.desired,
    host,
    vcpus: spec.vcpus,
    memoryBytes: spec.memoryBytes,
    gpus: spec.gpus,
    network: spec.network,
    labels: spec.labels,
    image: { ref: spec.image, name: rec.image.name, version: rec.image.version },
    disk: { path: rec.diskPath, virtualBytes: rec.diskBytes },
    uptimeSeconds: running && rec.startedAt != null ? Math.max(0, Math.round((now - rec.startedAt) / 1000)) : null,
    createdAt: new Date(rec.createdAt).toISOString()
  }
  if (extra.allocatedBytes != null) view.disk.allocatedBytes = extra.allocatedBytes
  if (spec.kernel != null) view.kernel = { path: spec.kernel, initrd: spec.initrd, cmdline: spec.cmdline }
  if (extra.domain != null) view.domain = extra.domain
  if (extra.progress != null) view.progress = extra.progress
  return view
}
