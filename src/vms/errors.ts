import { NovacronError, NotFoundError } from '../errors.js'

/** No VM of that name is owned by this node. */
export class VmNotFoundError extends NotFoundError {
  override name = 'VmNotFoundError'
  constructor (vmName: string) {
    super(`no VM named "${vmName}" on this node`, 'ERR_VM_NOT_FOUND')
  }
}

/** A VM (ours) or a libvirt domain (anyone's) already has that name. */
export class VmExistsError extends NovacronError {
  override name = 'VmExistsError'
  constructor (message: string) {
    super(message, 'ERR_VM_EXISTS')
  }
}

/** The image a VM names is not in the local image store. */
export class ImageNotFoundError extends NotFoundError {
  override name = 'ImageNotFoundError'
  constructor (ref: string, options?: ErrorOptions) {
    super(`image "${ref}" is not known to this node (add it with \`novacron image add\`)`, 'ERR_IMAGE_NOT_FOUND')
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

/** This host lacks the memory or disk a VM asks for. */
export class InsufficientResourcesError extends NovacronError {
  override name = 'InsufficientResourcesError'
  constructor (message: string, readonly resource: 'memory' | 'disk' | 'gpus') {
    super(message, `ERR_INSUFFICIENT_${resource.toUpperCase()}`)
  }
}

/** libvirt cannot be reached (daemon down, socket missing, wrong URI). */
export class HypervisorUnavailableError extends NovacronError {
  override name = 'HypervisorUnavailableError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, 'ERR_HYPERVISOR_UNAVAILABLE', options)
  }
}

/** A libvirt or tool call failed for a reason other than the daemon being down. */
export class HypervisorError extends NovacronError {
  override name = 'HypervisorError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, 'ERR_HYPERVISOR', options)
  }
}

/** A domain of that name exists but does not carry this node's ownership marker: it is never touched. */
export class DomainNotOwnedError extends NovacronError {
  override name = 'DomainNotOwnedError'
  constructor (domainName: string) {
    super(`libvirt domain "${domainName}" is not owned by this node (no novacron ownership marker); it is left alone`, 'ERR_DOMAIN_NOT_OWNED_CONFLICT')
  }
}

/** A disk operation (materialise, overlay, remove) failed. */
export class VmDiskError extends NovacronError {
  override name = 'VmDiskError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, 'ERR_VM_DISK', options)
  }
}
