import type { VmAllocation } from '../vms/allocation.js'

export interface Gpu {
  model: string
  memoryBytes: number
}

export interface Resources {
  cpuCores: number
  /** 1-minute load average. */
  load: number
  memoryTotal: number
  memoryFree: number
  diskTotal: number
  diskFree: number
  gpus: Gpu[]
}

/** What a node says about itself: the content of its signed state record. */
export interface NodeState {
  peerId: string
  bootEpoch: number
  seq: number
  /** Wall clock of the issuer when signed (informational; ordering uses bootEpoch/seq only). */
  issuedAtMs: number
  role: string
  site: string
  region?: string
  zone?: string
  labels: Record<string, string>
  resources: Resources
  vms: VmAllocation[]
  addresses: string[]
  version: string
}

export type Liveness = 'alive' | 'suspect' | 'dead'

export interface Version {
  bootEpoch: number
  seq: number
}

/** Last-writer-wins order on (bootEpoch, seq): negative when a is older than b. */
export function compareVersion (a: Version, b: Version): number {
  return a.bootEpoch !== b.bootEpoch ? a.bootEpoch - b.bootEpoch : a.seq - b.seq
}
