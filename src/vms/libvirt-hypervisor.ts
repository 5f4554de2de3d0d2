import { constants } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { Hypervisor as LibvirtConnection, type Domain } from '@unraid/libvirt'
import type { DomainType } from './domain-xml.js'
import { HypervisorError, HypervisorUnavailableError } from './errors.js'
import type { DomainInfo, DomainStateName, Hypervisor, HostInfo } from './hypervisor.js'

export type Accel = 'auto' | 'kvm' | 'qemu'

export interface LibvirtHypervisorInit {
  uri: string
  /** How to pick the domain type; ignored for test:/// URIs. @default 'auto' */
  accel?: Accel
  /** @default '/dev/kvm' */
  kvmDevice?: string
}

const STATES: DomainStateName[] = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended']
const UNAVAILABLE = /failed to connect|socket is closed|broken pipe|connection reset|not connected|no connection driver|end of file while reading|cannot recv data|cannot write data|invalid connection/i
const NOT_FOUND = /domain not found|no domain with matching/i

/**
 * kvm when /dev/kvm opens read-write and the CPU advertises virtualisation (vmx/svm in /proc/cpuinfo: a
 * nested guest can expose a /dev/kvm that starts VMs which never run), qemu (TCG) otherwise; `accel`
 * overrides; test for libvirt's test driver.
 */
export async function chooseDomainType (uri: string, accel: Accel, kvmDevice = '/dev/kvm', cpuinfo = '/proc/cpuinfo'): Promise<DomainType> {
  if (uri.startsWith('test:')) return 'test'
  if (accel !== 'auto') return accel
  try {
    await access(kvmDevice, constants.R_OK | constants.W_OK)
    const flags = await readFile(cpuinfo, 'utf8')
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(flags) ? 'kvm' : 'qemu'
  } catch {
    return 'qemu'
  }
}

/** The libvirt driver on @unraid/libvirt (N-API). Reconnects after the daemon went away. */
export class LibvirtHypervisor implements Hypervisor {
  readonly uri: string
  private readonly accel: Accel
  private readonly kvmDevice: string
  private type: DomainType | undefined
  private conn: LibvirtConnection | undefined

  constructor ({ uri, accel = 'auto', kvmDevice = '/dev/kvm' }: LibvirtHypervisorInit) {
    this.uri = uri
    this.accel = accel
    this.kvmDevice = kvmDevice
  }

  /** Known once connected (KVM is probed then). */
  get domainType (): DomainType {
    if (this.type == null) throw new HypervisorUnavailableError(`libvirt at ${this.uri} is not connected yet`)
    return this.type
  }

  async connect (): Promise<void> {
    if (this.conn != null) return
    this.type ??= await chooseDomainType(this.uri, this.accel, this.kvmDevice)
    const conn = new LibvirtConnection({ uri: this.uri })
    try {
      await conn.connectOpen()
    } catch (err) {
      throw new HypervisorUnavailableError(`cannot connect to libvirt at ${this.uri}: ${(err as Error).message} (is libvirtd running?)`, { cause: err })
    }
    this.conn = conn
  }

  async close (): Promise<void> {
    const conn = this.conn
    this.conn = undefined
    await conn?.connectClose().catch(() => {})
  }

  async listDomains (): Promise<string[]> {
    return await this.call('list domains', async c => await Promise.all((await c.connectListAllDomains()).map(async d => await d.getName())))
  }

  async find (name: string): Promise<DomainInfo | undefined> {
    return await this.call(`look up domain ${name}`, async c => {
      let d: Domain
      try {
        d = await c.domainLookupByName(name)
      } catch (err) {
        if (NOT_FOUND.test((err as Error).message)) return undefined
        throw err
      }
      const [info, id, uuid] = await Promise.all([d.getInfo(), d.getID(), d.getUUIDString()])
      return {
        name,
        state: STATES[info.state] ?? 'nostate',
        vcpus: info.nrVirtCpu,
        memoryBytes: info.memory * 1024,
        maxMemoryBytes: info.maxMem * 1024,
        cpuTimeNs: info.cpuTime,
        id: id ?? null,
        uuid
      }
    })
  }

  async xml (name: string): Promise<string> {
    return await this.call(`read XML of ${name}`, async c => await (await c.domainLookupByName(name)).getXMLDesc())
  }

  async define (xml: string): Promise<void> {
    await this.call('define domain', async c => { await c.domainDefineXML(xml) })
  }

  async start (name: string): Promise<void> {
    await this.call(`start ${name}`, async c => { await (await c.domainLookupByName(name)).create() })
  }

  async shutdown (name: string): Promise<void> {
    await this.call(`shut down ${name}`, async c => { await (await c.domainLookupByName(name)).shutdown() })
  }

  async destroy (name: string): Promise<void> {
    await this.call(`destroy ${name}`, async c => { await (await c.domainLookupByName(name)).destroy() })
  }

  async undefine (name: string): Promise<void> {
    await this.call(`undefine ${name}`, async c => { await (await c.domainLookupByName(name)).undefine() })
  }

  async hostInfo (): Promise<HostInfo> {
    return await this.call('read host info', async c => {
      const info = await c.nodeGetInfo()
      return { memoryBytes: info.memory * 1024, cpus: info.cpus }
    })
  }

  /** Connect if needed, run, and turn libvirt errors into ours; a dead connection is dropped for the next call. */
  private async call<T> (what: string, fn: (c: LibvirtConnection) => Promise<T>): Promise<T> {
    await this.connect()
    const conn = this.conn
    if (conn == null) throw new HypervisorUnavailableError(`libvirt at ${this.uri} is not connected`)
    try {
      return await fn(conn)
    } catch (err) {
      const msg = (err as Error).message
      if (UNAVAILABLE.test(msg)) {
        if (this.conn === conn) this.conn = undefined
        throw new HypervisorUnavailableError(`libvirt at ${this.uri} is unreachable (${what}): ${msg}`, { cause: err })
      }
      throw new HypervisorError(`libvirt failed to ${what}: ${msg}`, { cause: err })
    }
  }
}
