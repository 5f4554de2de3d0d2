import { isAbsolute } from 'node:path'
import { InvalidInputError } from '../errors.js'
import { FieldProblem, NAME, isRecord, readLabels, type Raw } from '../config/fields.js'
import {
  MAX_CMDLINE_LENGTH, MAX_DISK_BYTES, MAX_GPUS, MAX_MEMORY_BYTES, MAX_PATH_LENGTH, MAX_VCPUS, MIN_MEMORY_BYTES
} from './constants.js'

export type VmNetwork = 'none' | 'user'

/** What a VM is: everything its domain XML and disk are generated from. */
export interface VmSpec {
  name: string
  /** Image reference in the image store: `name` or `name@version`. */
  image: string
  vcpus: number
  memoryBytes: number
  /** Virtual size of the VM's disk; absent means the image's own size. */
  diskBytes?: number
  /** Direct kernel boot (absolute paths on this host). */
  kernel?: string
  initrd?: string
  cmdline?: string
  network: VmNetwork
  labels: Record<string, string>
  gpus: number
}

/** A create request: the spec plus whether to start it at once (default yes). */
export interface CreateVmInput {
  spec: VmSpec
  start: boolean
}

const FIELDS = ['name', 'image', 'vcpus', 'memory', 'diskSize', 'kernel', 'initrd', 'cmdline', 'network', 'labels', 'gpus', 'start'] as const
const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** `512M`, `1G`, `1GiB`, `2048` (bytes): binary units. Throws FieldProblem. */
export function parseSize (value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) throw new FieldProblem(field, 'must be a positive whole number of bytes')
    return value
  }
  if (typeof value !== 'string') throw new FieldProblem(field, 'must be a size such as 512M or 1G, or a number of bytes')
  const m = /^(\d{1,16})\s*([KMGT]?)(?:i?B)?$/i.exec(value.trim())
  if (m == null) throw new FieldProblem(field, `"${value}" is not a size (use e.g. 512M, 1G, or bytes)`)
  const bytes = Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1)
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new FieldProblem(field, `"${value}" is out of range`)
  return bytes
}

/** Human form of a byte count (binary units), for tables. */
export function formatSize (bytes: number): string {
  for (const [unit, mult] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= mult) {
      const v = bytes / mult
      return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`
    }
  }
  return `${bytes}B`
}

function int (raw: Raw, key: string, min: number, max: number, def?: number): number {
  const v = raw[key]
  if (v === undefined && def !== undefined) return def
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new FieldProblem(key, v === undefined ? 'is required' : 'must be an integer')
  if (v < min || v > max) throw new FieldProblem(key, `must be between ${min} and ${max}, got ${v}`)
  return v
}

function str (raw: Raw, key: string, max: number, pattern?: RegExp): string | undefined {
  const v = raw[key]
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new FieldProblem(key, 'must be a string')
  if (v.length === 0 || v.length > max) throw new FieldProblem(key, `must be 1 to ${max} characters`)
  if (pattern != null && !pattern.test(v)) throw new FieldProblem(key, `"${v}" does not match ${pattern}`)
  return v
}

function absPath (raw: Raw, key: string): string | undefined {
  const v = str(raw, key, MAX_PATH_LENGTH)
  if (v !== undefined && (!isAbsolute(v) || v.includes('\0'))) throw new FieldProblem(key, `"${v}" must be an absolute path on the node's host`)
  return v
}

/** Image reference: a name, optionally `@version`. */
export const IMAGE_REF = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?(@[A-Za-z0-9][A-Za-z0-9._+-]{0,63})?$/

/**
 * Validate a create request body (API JSON). Throws InvalidInputError naming the first bad field;
 * `memory` and `diskSize` take a size string (`512M`) or bytes.
 */
export function parseCreateVm (body: unknown): CreateVmInput {
  try {
    if (!isRecord(body)) throw new FieldProblem('(body)', 'must be a JSON object')
    for (const key of Object.keys(body)) {
      if (!(FIELDS as readonly string[]).includes(key)) throw new FieldProblem(key, `unknown field (known: ${FIELDS.join(', ')})`)
    }
    const name = str(body, 'name', 64, NAME)
    if (name === undefined) throw new FieldProblem('name', 'is required')
    const image = str(body, 'image', 130, IMAGE_REF)
    if (image === undefined) throw new FieldProblem('image', 'is required')
    if (body.memory === undefined) throw new FieldProblem('memory', 'is required')
    const memoryBytes = parseSize(body.memory, 'memory')
    if (memoryBytes < MIN_MEMORY_BYTES || memoryBytes > MAX_MEMORY_BYTES) throw new FieldProblem('memory', `must be between ${formatSize(MIN_MEMORY_BYTES)} and ${formatSize(MAX_MEMORY_BYTES)}`)
    let diskBytes: number | undefined
    if (body.diskSize !== undefined) {
      diskBytes = parseSize(body.diskSize, 'diskSize')
      if (diskBytes > MAX_DISK_BYTES) throw new FieldProblem('diskSize', `must be at most ${formatSize(MAX_DISK_BYTES)}`)
    }
    const network = body.network ?? 'none'
    if (network !== 'none' && network !== 'user') throw new FieldProblem('network', 'must be "none" or "user"')
    if (body.start !== undefined && typeof body.start !== 'boolean') throw new FieldProblem('start', 'must be true or false')
    const kernel = absPath(body, 'kernel')
    const initrd = absPath(body, 'initrd')
    const cmdline = str(body, 'cmdline', MAX_CMDLINE_LENGTH)
    if (kernel === undefined && (initrd !== undefined || cmdline !== undefined)) throw new FieldProblem(initrd !== undefined ? 'initrd' : 'cmdline', 'needs kernel')
    const spec: VmSpec = {
      name,
      image,
      vcpus: int(body, 'vcpus', 1, MAX_VCPUS, 1),
      memoryBytes,
      network,
      labels: readLabels(body, 'labels', 'labels'),
      gpus: int(body, 'gpus', 0, MAX_GPUS, 0)
    }
    if (diskBytes !== undefined) spec.diskBytes = diskBytes
    if (kernel !== undefined) spec.kernel = kernel
    if (initrd !== undefined) spec.initrd = initrd
    if (cmdline !== undefined) spec.cmdline = cmdline
    return { spec, start: body.start !== false }
  } catch (err) {
    if (err instanceof FieldProblem) throw new InvalidInputError(err.field, err.message, 'ERR_INVALID_VM_SPEC')
    throw err
  }
}

/** A VM name from a URL or argument. */
export function checkVmName (name: string): void {
  if (!NAME.test(name)) throw new InvalidInputError('name', `"${name}" is not a valid VM name (${NAME})`, 'ERR_INVALID_VM_SPEC')
}
