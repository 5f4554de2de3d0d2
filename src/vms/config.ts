import { resolve } from 'node:path'
import type { SectionParser } from '../config/schema.js'
import { FieldProblem, readInt, readString, rejectUnknown, type Raw } from '../config/fields.js'
import { DEFAULT_IMAGES_DIR, DEFAULT_LIBVIRT_URI, DEFAULT_RESERVED_MEMORY_BYTES, DEFAULT_STOP_TIMEOUT_SECONDS } from './constants.js'
import type { Accel } from './libvirt-hypervisor.js'

/** The `vms` section of config.json. */
export interface VmsConfig {
  /** libvirt connection URI. @default 'qemu:///system' */
  libvirtUri: string
  /** Graceful stop timeout before a forced stop. @default 60 */
  stopTimeoutSeconds: number
  /** Base images and VM overlays; relative to the data dir unless absolute. @default 'vms' */
  imagesDir: string
  /** `auto`: KVM when /dev/kvm works, else TCG. @default 'auto' */
  accel: Accel
  /** Host memory never given to VMs, in MiB. @default 256 */
  reservedMemoryMiB: number
}

const FIELDS = ['libvirtUri', 'stopTimeoutSeconds', 'imagesDir', 'accel', 'reservedMemoryMiB'] as const

export const vmsConfigSection: SectionParser = {
  key: 'vms',
  parse (raw: Raw, path: string): VmsConfig {
    rejectUnknown(raw, FIELDS, path)
    const libvirtUri = readString(raw, 'libvirtUri', `${path}.libvirtUri`, { default: DEFAULT_LIBVIRT_URI, max: 1024 })
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/.test(libvirtUri)) throw new FieldProblem(`${path}.libvirtUri`, `"${libvirtUri}" is not a libvirt URI (e.g. qemu:///system)`)
    const imagesDir = readString(raw, 'imagesDir', `${path}.imagesDir`, { default: DEFAULT_IMAGES_DIR, max: 4096 })
    if (imagesDir.includes('\0') || imagesDir === '') throw new FieldProblem(`${path}.imagesDir`, 'must be a path')
    return {
      libvirtUri,
      stopTimeoutSeconds: readInt(raw, 'stopTimeoutSeconds', `${path}.stopTimeoutSeconds`, { default: DEFAULT_STOP_TIMEOUT_SECONDS, min: 1, max: 3600 }),
      imagesDir,
      accel: readString(raw, 'accel', `${path}.accel`, { default: 'auto', pattern: /^(auto|kvm|qemu)$/ }) as Accel,
      reservedMemoryMiB: readInt(raw, 'reservedMemoryMiB', `${path}.reservedMemoryMiB`, { default: DEFAULT_RESERVED_MEMORY_BYTES / 1024 / 1024, min: 0, max: 1024 * 1024 })
    }
  }
}

/** The section as parsed, or its defaults when config.json has none. */
export function vmsConfigOf (sections: Record<string, unknown>): VmsConfig {
  return (sections.vms as VmsConfig | undefined) ?? vmsConfigSection.parse({}, 'vms') as VmsConfig
}

export function imagesDirOf (config: VmsConfig, dataDir: string): string {
  return resolve(dataDir, config.imagesDir)
}
