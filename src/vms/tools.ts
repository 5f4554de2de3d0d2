import { execFile } from 'node:child_process'
import { DEFAULT_TOOL_TIMEOUT_MS } from './constants.js'
import { HypervisorError, HypervisorUnavailableError, VmDiskError } from './errors.js'

/** Largest stdout a tool may print before it is killed. */
const MAX_TOOL_OUTPUT = 4 * 1024 * 1024

function run (file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: MAX_TOOL_OUTPUT, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err != null) {
        const detail = (stderr !== '' ? stderr : err.message).trim().split('\n').slice(-3).join(' ')
        reject(Object.assign(new Error(`${file} ${args[0] ?? ''}: ${detail}`), { killed: err.killed }))
        return
      }
      resolve(stdout)
    })
  })
}

/** `virsh -c URI ...` for what the binding lacks (block info today; migration and block jobs later). */
export async function virsh (uri: string, args: string[], timeoutMs = DEFAULT_TOOL_TIMEOUT_MS): Promise<string> {
  try {
    return await run('virsh', ['-q', '-c', uri, ...args], timeoutMs)
  } catch (err) {
    const msg = (err as Error).message
    if (/failed to connect/i.test(msg)) throw new HypervisorUnavailableError(`libvirt at ${uri} is unreachable: ${msg}`, { cause: err })
    throw new HypervisorError(msg, { cause: err })
  }
}

/** `qemu-img ...` (overlay creation, image info). */
export async function qemuImg (args: string[], timeoutMs = DEFAULT_TOOL_TIMEOUT_MS): Promise<string> {
  try {
    return await run('qemu-img', args, timeoutMs)
  } catch (err) {
    throw new VmDiskError((err as Error).message, { cause: err })
  }
}

export interface BlockInfo {
  capacityBytes: number
  allocationBytes: number
}

/** Disk capacity and allocation of a domain's `vda`, through `virsh domblkinfo` (not in the binding). */
export async function domainBlockInfo (uri: string, domain: string, target = 'vda'): Promise<BlockInfo> {
  const out = await virsh(uri, ['domblkinfo', domain, target])
  const num = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'mi').exec(out)?.[1] ?? NaN)
  return { capacityBytes: num('Capacity'), allocationBytes: num('Allocation') }
}

/** Virtual and allocated size of a disk file (works while a VM runs: `-U`). */
export async function diskFileInfo (path: string): Promise<BlockInfo> {
  const out = JSON.parse(await qemuImg(['info', '-U', '--output=json', path])) as { 'virtual-size'?: number, 'actual-size'?: number }
  return { capacityBytes: out['virtual-size'] ?? 0, allocationBytes: out['actual-size'] ?? 0 }
}
