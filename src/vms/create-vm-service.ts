import type { ImageProvider, Manifest } from '../images/types.js'
import type { Database } from '../storage/database.js'
import type { Logger } from '../logging/logger.js'
import type { Registry } from 'prom-client'
import type { VmAllocationSink } from './allocation.js'
import { imagesDirOf, vmsConfigOf } from './config.js'
import { ImageNotFoundError } from './errors.js'
import { LibvirtHypervisor } from './libvirt-hypervisor.js'
import { VmService } from './vm-service.js'

export interface VmServiceComponents {
  dataDir: string
  /** The node config's `sections` (the `vms` section is read from it). */
  sections: Record<string, unknown>
  db: Database
  peerId: string
  logger: Logger
  /** Metrics registry of the node (optional). */
  registry?: Registry
}

/** Stands in while a node has no image store: every image is unknown. */
export const noImages: ImageProvider = {
  async resolve (ref: string): Promise<Manifest> {
    throw new ImageNotFoundError(ref)
  },
  async materialise (ref: string): Promise<never> {
    throw new ImageNotFoundError(ref)
  }
}

/** The node's VM service on libvirt, configured from the `vms` config section. */
export function createVmService (c: VmServiceComponents, opts: { images?: ImageProvider, sink?: VmAllocationSink } = {}): VmService {
  const config = vmsConfigOf(c.sections)
  return new VmService({
    hypervisor: new LibvirtHypervisor({ uri: config.libvirtUri, accel: config.accel }),
    images: opts.images ?? noImages,
    db: c.db,
    ownerId: c.peerId,
    imagesDir: imagesDirOf(config, c.dataDir),
    logger: c.logger,
    sink: opts.sink,
    stopTimeoutMs: config.stopTimeoutSeconds * 1000,
    reservedMemoryBytes: config.reservedMemoryMiB * 1024 * 1024,
    registry: c.registry
  })
}
