import { execFile } from 'node:child_process'
import { MAX_GPUS } from './constants.js'
import type { Gpu } from './types.js'

/** The query this node runs where `nvidia-smi` exists. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']

/**
 * Parse `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` output: one GPU per line,
 * `NAME, MIB`. Lines that do not parse are skipped (nvidia-smi prints "[N/A]" for unknown memory).
 */
export function parseNvidiaSmi (text: string): Gpu[] {
  const gpus: Gpu[] = []
  for (const line of text.split('\n')) {
    const comma = line.lastIndexOf(',')
    if (comma <= 0) continue
    const model = line.slice(0, comma).trim()
    const mib = Number(line.slice(comma + 1).trim())
    if (model === '' || !Number.isFinite(mib) || mib < 0) continue
    gpus.push({ model: model.slice(0, 128), memoryBytes: Math.round(mib) * 1024 * 1024 })
    if (gpus.length === MAX_GPUS) break
  }
  return gpus
}

/** GPUs of this host: none when `nvidia-smi` is absent, fails or takes over `timeoutMs`. */
export async function queryGpus (timeoutMs = 3000, binary = 'nvidia-smi'): Promise<Gpu[]> {
  return await new Promise(resolve => {
    execFile(binary, NVIDIA_SMI_ARGS, { timeout: timeoutMs, maxBuffer: 64 * 1024 }, (err, stdout) => {
      resolve(err != null ? [] : parseNvidiaSmi(stdout))
    })
  })
}
