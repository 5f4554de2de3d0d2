/**
 * What one VM reserves on its host. The VM service reports the list of its VMs; the membership service
 * carries it in the node's gossiped state record, so the cluster view shows which VM runs where.
 */
export interface VmAllocation {
  name: string
  /** desired/actual state, e.g. 'running', 'stopped' */
  state: string
  vcpus: number
  memoryBytes: number
  diskBytes: number
  gpus: number
}

/** Called by the VM service whenever its set of VMs or their states change. */
export type VmAllocationSink = (vms: VmAllocation[]) => void
