import { STOP_POLL_INTERVAL_MS } from './constants.js'
import { InsufficientResourcesError } from './errors.js'
import { isActive, type Hypervisor } from './hypervisor.js'
import { formatSize } from './spec.js'
import type { VmRecord } from './store.js'
import type { Logger } from '../logging/logger.js'

/**
 * Refuse a VM whose memory does not fit: host memory minus the reserve minus every other VM this node
 * wants running (`exclude` is the VM being started, already counted or not).
 */
export async function checkMemory (hv: Hypervisor, records: VmRecord[], wanted: number, exclude: string, reserved: number): Promise<void> {
  const host = await hv.hostInfo()
  let committed = 0
  for (const r of records) {
    if (r.spec.name !== exclude && r.desired === 'running') committed += r.spec.memoryBytes
  }
  const available = host.memoryBytes - reserved - committed
  if (wanted > available) {
    throw new InsufficientResourcesError(`not enough memory on this host: asked ${formatSize(wanted)}, ${formatSize(Math.max(0, available))} left (host ${formatSize(host.memoryBytes)}, VMs ${formatSize(committed)}, reserved ${formatSize(reserved)})`, 'memory')
  }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** ACPI shutdown, polled until off; destroy after `timeoutMs` (or at once when forced). Returns whether it was forced. */
export async function powerOff (hv: Hypervisor, name: string, opts: { force: boolean, timeoutMs: number, log: Logger }): Promise<boolean> {
  if (!opts.force) {
    await hv.shutdown(name)
    const deadline = Date.now() + opts.timeoutMs
    while (Date.now() < deadline) {
      const info = await hv.find(name)
      if (info == null || !isActive(info.state)) return false
      await sleep(STOP_POLL_INTERVAL_MS)
    }
    opts.log.warn('VM did not shut down in time; forcing', { vm: name, timeoutMs: opts.timeoutMs })
  }
  const info = await hv.find(name)
  if (info != null && isActive(info.state)) await hv.destroy(name)
  return true
}
