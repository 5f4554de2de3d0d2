import type { DomainType } from './domain-xml.js'

export type DomainStateName = 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended' | 'nostate'

/** A domain as the hypervisor reports it. */
export interface DomainInfo {
  name: string
  state: DomainStateName
  vcpus: number
  memoryBytes: number
  maxMemoryBytes: number
  cpuTimeNs: number
  /** libvirt's domain ID while running, else null. */
  id: number | null
  uuid: string
}

export interface HostInfo {
  memoryBytes: number
  cpus: number
}

/**
 * What the VM service needs of a hypervisor. Every method throws HypervisorUnavailableError when the
 * hypervisor cannot be reached and HypervisorError for other failures; `find` returns undefined for a
 * missing domain instead of throwing.
 */
export interface Hypervisor {
  readonly uri: string
  /** The domain type this host's VMs get (valid once connected): kvm when /dev/kvm works, qemu (TCG) otherwise, test for test:///. */
  readonly domainType: DomainType
  connect(): Promise<void>
  close(): Promise<void>
  /** Names of all domains, running or defined. */
  listDomains(): Promise<string[]>
  /** The domain's info, or undefined if there is no domain of that name. */
  find(name: string): Promise<DomainInfo | undefined>
  /** The domain's live XML (metadata included). */
  xml(name: string): Promise<string>
  /** Define a persistent domain (not started). */
  define(xml: string): Promise<void>
  /** Start a defined domain. */
  start(name: string): Promise<void>
  /** Ask the guest to power off (ACPI); returns at once. */
  shutdown(name: string): Promise<void>
  /** Pull the plug. */
  destroy(name: string): Promise<void>
  /** Remove the (stopped) domain's definition. */
  undefine(name: string): Promise<void>
  hostInfo(): Promise<HostInfo>
}

/** Is the domain using the host's CPU and memory (for reservations and desired-state checks)? */
export function isActive (state: DomainStateName): boolean {
  return state === 'running' || state === 'blocked' || state === 'paused' || state === 'shutdown' || state === 'pmsuspended'
}
