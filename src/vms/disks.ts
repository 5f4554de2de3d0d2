import { createHash } from 'node:crypto'
import { access, chmod, mkdir, rm, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import type { ImageProvider, Manifest } from '../images/types.js'
import { InvalidInputError, NovacronError } from '../errors.js'
import { ImageNotFoundError } from './errors.js'
import { qemuImg } from './tools.js'

export interface MaterialiseProgress { doneBytes: number, totalBytes: number }
/** ImageService.materialise takes progress reporting as an optional third argument; other providers ignore it. */
type MaterialiseWithProgress = (ref: string, destPath: string, opts?: { onProgress?: (p: MaterialiseProgress) => void }) => ReturnType<ImageProvider['materialise']>

export interface BaseDisk {
  manifest: Manifest
  path: string
  /** Whether the base file is already on disk (costs no new space). */
  present: boolean
}

/**
 * VM disk files: one materialised raw base per image version under `<imagesDir>/base/` (shared by every
 * VM of that version), and one qcow2 overlay per VM under `<imagesDir>/vms/<name>/`.
 */
export class VmDisks {
  readonly imagesDir: string
  private readonly images: ImageProvider
  private readonly materialising = new Map<string, Promise<void>>()

  constructor (imagesDir: string, images: ImageProvider) {
    this.imagesDir = imagesDir
    this.images = images
  }

  vmDir (vmName: string): string {
    return join(this.imagesDir, 'vms', vmName)
  }

  /** Resolve an image reference to its manifest and the base file path it has (or will have). */
  async resolve (ref: string): Promise<BaseDisk> {
    let manifest: Manifest
    try {
      manifest = await this.images.resolve(ref)
    } catch (err) {
      if (/NOT_FOUND/.test((err as NovacronError).code ?? '')) throw new ImageNotFoundError(ref, { cause: err })
      throw err
    }
    const key = `${manifest.name}@${manifest.version}`
    const safe = key.replace(/[^A-Za-z0-9._@-]/g, '_')
    const tag = createHash('sha256').update(key).digest('hex').slice(0, 12)
    const path = join(this.imagesDir, 'base', `${safe}-${tag}.raw`)
    const present = await access(path).then(() => true, () => false)
    return { manifest, path, present }
  }

  /** Materialise the base once (concurrent callers share one materialisation; the first one gets progress). */
  async ensureBase (base: BaseDisk, onProgress?: (p: MaterialiseProgress) => void): Promise<void> {
    if (await access(base.path).then(() => true, () => false)) return
    let pending = this.materialising.get(base.path)
    if (pending == null) {
      pending = (async () => {
        await mkdir(join(this.imagesDir, 'base'), { recursive: true, mode: 0o755 })
        const materialise = this.images.materialise.bind(this.images) as MaterialiseWithProgress
        await materialise(`${base.manifest.name}@${base.manifest.version}`, base.path, { onProgress })
        await chmod(base.path, 0o644)
      })().finally(() => { this.materialising.delete(base.path) })
      this.materialising.set(base.path, pending)
    }
    await pending
  }

  /** Create the VM's qcow2 overlay on the base (`diskBytes` ≥ the image size grows the virtual disk). */
  async createOverlay (vmName: string, base: BaseDisk, diskBytes: number): Promise<string> {
    if (diskBytes < base.manifest.size) throw new InvalidInputError('diskSize', `must be at least the image size (${base.manifest.size} bytes)`, 'ERR_INVALID_VM_SPEC')
    const dir = this.vmDir(vmName)
    await mkdir(dir, { recursive: true, mode: 0o755 })
    await chmod(dir, 0o755)
    const path = join(dir, 'disk.qcow2')
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', path, String(diskBytes)])
    return path
  }

  /** Remove everything of one VM (its overlay and console log); the shared base stays. */
  async removeVm (vmName: string): Promise<void> {
    await rm(this.vmDir(vmName), { recursive: true, force: true })
  }

  /** Bytes free to an unprivileged writer on the images filesystem. */
  async freeBytes (): Promise<number> {
    await mkdir(this.imagesDir, { recursive: true, mode: 0o755 })
    const s = await statfs(this.imagesDir)
    return s.bavail * s.bsize
  }
}
