import { cpus, freemem, loadavg, totalmem } from 'node:os'
import { statfs } from 'node:fs/promises'
import { RESOURCE_CHANGE_FRACTION } from './constants.js'
import type { Gpu, Resources } from './types.js'

/** Measure this host: CPU cores and load, memory, the data dir's file system, and the GPUs found at start. */
export async function measureResources (dataDir: string, gpus: Gpu[]): Promise<Resources> {
  const fs = await statfs(dataDir)
  return {
    cpuCores: cpus().length,
    load: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    memoryTotal: totalmem(),
    memoryFree: freemem(),
    diskTotal: fs.blocks * fs.bsize,
    diskFree: fs.bavail * fs.bsize,
    gpus
  }
}

/**
 * Whether a new measurement is worth a publish: core/GPU count changes always are; free memory/disk only
 * when they move by more than RESOURCE_CHANGE_FRACTION of the total; load by more than 0.5.
 */
export function resourcesChanged (a: Resources, b: Resources): boolean {
  const moved = (x: number, y: number, total: number): boolean => Math.abs(x - y) > total * RESOURCE_CHANGE_FRACTION
  return a.cpuCores !== b.cpuCores ||
    a.gpus.length !== b.gpus.length ||
    a.memoryTotal !== b.memoryTotal ||
    a.diskTotal !== b.diskTotal ||
    moved(a.memoryFree, b.memoryFree, a.memoryTotal) ||
    moved(a.diskFree, b.diskFree, a.diskTotal) ||
    Math.abs(a.load - b.load) > 0.5
}
