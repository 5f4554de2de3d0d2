import { randomUUID } from 'node:crypto'
import { access, constants as fsConstants } from 'node:fs/promises'
import { join } from 'node:path'
import type { Startable } from '@libp2p/interface'
import { InvalidInputError } from '../errors.js'
import type { ImageProvider } from '../images/types.js'
import type { Database } from '../storage/database.js'
import { silentLogger, type Logger } from '../logging/logger.js'
import type { VmAllocation, VmAllocationSink } from './allocation.js'
import {
  DEFAULT_RESERVED_MEMORY_BYTES, DEFAULT_STOP_TIMEOUT_SECONDS, DEFAULT_WATCH_INTERVAL_MS
} from './constants.js'
import { VmDisks } from './disks.js'
import { buildDomainXml, readOwner } from './domain-xml.js'
import { DomainNotOwnedError, HypervisorUnavailableError, InsufficientResourcesError, VmExistsError, VmNotFoundError } from './errors.js'
import { isActive, type DomainInfo, type Hypervisor } from './hypervisor.js'
import { KeyedLock } from './keyed-lock.js'
import { adoptAll } from './adopt.js'
import { checkMemory, powerOff } from './host-resources.js'
import { VmMetrics, type VmOperation } from './metrics.js'
import type { Registry } from 'prom-client'
import { checkVmName, formatSize, type CreateVmInput } from './spec.js'
import { VmStore, type VmRecord } from './store.js'
import { diskFileInfo, domainBlockInfo } from './tools.js'
import { toView, type CreateProgress, type VmState, type VmView } from './view.js'

export interface VmServiceInit {
  hypervisor: Hypervisor
  images: ImageProvider
  db: Database
  /** This node's peer ID: the ownership marker of its domains, and the `host` of its VMs. */
  ownerId: string
  /** Absolute directory for base images and per-VM overlays. */
  imagesDir: string
  logger?: Logger
  /** Called with every VM's reservation whenever the set or a state changes. */
  sink?: VmAllocationSink
  /** @default DEFAULT_STOP_TIMEOUT_SECONDS * 1000 */
  stopTimeoutMs?: number
  /** @default DEFAULT_RESERVED_MEMORY_BYTES */
  reservedMemoryBytes?: number
  /** @default DEFAULT_WATCH_INTERVAL_MS; 0 disables the watch loop */
  watchIntervalMs?: number
  /** Where `novacron_vms` and `novacron_vm_operations_total` go; none: no metrics. */
  registry?: Registry
}

export interface StopResult { vm: VmView, forced: boolean }

/**
 * The node's VMs: creates, starts, stops and deletes libvirt domains it owns (ownership marker in the
 * domain metadata), persists specs and desired state, and re-adopts running domains after a restart.
 * It needs only the local libvirt: with the mesh cut off, everything here keeps working.
 */
export class VmService implements Startable {
  private readonly hv: Hypervisor
  private readonly store: VmStore
  private readonly disks: VmDisks
  private readonly owner: string
  private readonly log: Logger
  private readonly stopTimeoutMs: number
  private readonly reservedMemory: number
  private readonly watchIntervalMs: number
  private sink: VmAllocationSink | undefined
  private readonly locks = new KeyedLock()
  private readonly states = new Map<string, VmState>()
  private readonly progress = new Map<string, CreateProgress>()
  /** Disk that creates in flight will use (their bases and overlays are not written yet). */
  private pendingDiskBytes = 0
  private adopted = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  private readonly metrics: VmMetrics | undefined

  constructor (init: VmServiceInit) {
    this.hv = init.hypervisor
    this.store = new VmStore(init.db)
    this.disks = new VmDisks(init.imagesDir, init.images)
    this.owner = init.ownerId
    this.log = init.logger ?? silentLogger
    this.sink = init.sink
    this.stopTimeoutMs = init.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_SECONDS * 1000
    this.reservedMemory = init.reservedMemoryBytes ?? DEFAULT_RESERVED_MEMORY_BYTES
    this.watchIntervalMs = init.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS
    this.metrics = init.registry != null ? new VmMetrics(init.registry, () => this.states.values()) : undefined
  }

  private async counted<T> (op: VmOperation, fn: () => Promise<T>): Promise<T> {
    return this.metrics != null ? await this.metrics.count(op, fn) : await fn()
  }

  setSink (sink: VmAllocationSink | undefined): void {
    this.sink = sink
  }

  /** Re-adopt owned domains and restore desired states; a libvirt outage is retried by the watch loop. */
  async start (): Promise<void> {
    this.running = true
    try {
      await this.adoptAll()
    } catch (err) {
      if (!(err instanceof HypervisorUnavailableError)) throw err
      this.log.warn('libvirt unreachable at start; VMs will be adopted when it is back', { err })
    }
    await this.notify()
    if (this.watchIntervalMs > 0) this.schedule()
  }

  async stop (): Promise<void> {
    this.running = false
    if (this.timer != null) clearTimeout(this.timer)
    this.timer = undefined
    await this.hv.close()
  }

  async list (): Promise<VmView[]> {
    const out: VmView[] = []
    for (const rec of await this.store.list()) out.push(await this.view(rec, false))
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }

  async show (name: string): Promise<VmView> {
    checkVmName(name)
    return await this.view(await this.record(name), true)
  }

  /** Create (and by default start) a VM. On any failure everything created so far is removed. */
  async create ({ spec, start }: CreateVmInput): Promise<VmView> {
    return await this.counted('create', async () => await this.locks.run(spec.name, async () => {
      for (const [field, path] of [['kernel', spec.kernel], ['initrd', spec.initrd]] as const) {
        if (path != null && !await access(path, fsConstants.R_OK).then(() => true, () => false)) {
          throw new InvalidInputError(field, `${path} does not exist or is not readable on this host`, 'ERR_INVALID_VM_SPEC')
        }
      }
      if (spec.gpus > 0) throw new InsufficientResourcesError(`this host has no GPUs to pass through (asked for ${spec.gpus})`, 'gpus')
      const rec = await this.locks.run('\0reserve', async () => {
        if (await this.store.get(spec.name) != null) throw new VmExistsError(`a VM named "${spec.name}" already exists on this node`)
        if (await this.hv.find(spec.name) != null) throw new VmExistsError(`a libvirt domain named "${spec.name}" already exists on this host`)
        const base = await this.disks.resolve(spec.image)
        const diskBytes = spec.diskBytes ?? base.manifest.size
        if (diskBytes < base.manifest.size) throw new InvalidInputError('diskSize', `must be at least the image size (${formatSize(base.manifest.size)})`, 'ERR_INVALID_VM_SPEC')
        if (start) await this.checkMemory(spec.memoryBytes, spec.name)
        // creates still materialising have not used their disk yet: count them too
        const needed = (base.present ? 0 : base.manifest.size) + diskBytes
        const free = await this.disks.freeBytes() - this.pendingDiskBytes
        if (needed > free) throw new InsufficientResourcesError(`not enough disk under ${this.disks.imagesDir}: need ${formatSize(needed)}, ${formatSize(Math.max(0, free))} free`, 'disk')
        this.pendingDiskBytes += needed
        const dir = this.disks.vmDir(spec.name)
        const record: VmRecord = {
          spec,
          desired: start ? 'running' : 'stopped',
          phase: 'creating',
          image: { name: base.manifest.name, version: base.manifest.version, sizeBytes: base.manifest.size },
          diskBytes,
          diskPath: join(dir, 'disk.qcow2'),
          basePath: base.path,
          consoleLogPath: join(dir, 'console.log'),
          uuid: randomUUID(),
          createdAt: Date.now()
        }
        try {
          await this.store.put(record)
        } catch (err) {
          this.pendingDiskBytes -= needed
          throw err
        }
        return { record, base, needed }
      })
      const { record, base, needed } = rec
      const step = (p: CreateProgress): void => { this.progress.set(spec.name, p) }
      try {
        step({ step: 'materialise', doneBytes: 0, totalBytes: base.manifest.size })
        await this.disks.ensureBase(base, p => { step({ step: 'materialise', ...p }) })
        step({ step: 'overlay' })
        await this.disks.createOverlay(spec.name, base, record.diskBytes)
        step({ step: 'define' })
        await this.hv.define(await this.domainXml(record))
        if (start) {
          step({ step: 'start' })
          await this.hv.start(spec.name)
          record.startedAt = Date.now()
        }
        record.phase = 'ready'
        await this.store.put(record)
      } catch (err) {
        this.log.warn('VM create failed; rolling back', { vm: spec.name, err })
        await this.rollback(record)
        throw err
      } finally {
        this.progress.delete(spec.name)
        this.pendingDiskBytes -= needed
      }
      this.log.info('VM created', { vm: spec.name, image: spec.image, started: start })
      return await this.viewAndNotify(record)
    }))
  }

  async startVm (name: string): Promise<VmView> {
    checkVmName(name)
    return await this.counted('start', async () => await this.locks.run(name, async () => {
      const rec = await this.record(name)
      const info = await this.ownedDomain(rec)
      if (info == null || !isActive(info.state)) {
        // a stopped domain is re-defined from the spec, so it starts with this host's current settings
        await this.hv.define(await this.domainXml(rec))
        await this.locks.run('\0reserve', async () => {
          await this.checkMemory(rec.spec.memoryBytes, name)
          await this.hv.start(name)
          rec.desired = 'running'
          rec.startedAt = Date.now()
          await this.store.put(rec)
        })
        this.log.info('VM started', { vm: name })
      } else if (rec.desired !== 'running') {
        rec.desired = 'running'
        await this.store.put(rec)
      }
      return await this.viewAndNotify(rec)
    }))
  }

  /** Graceful stop (ACPI), forced after the stop timeout; `force` pulls the plug at once. */
  async stopVm (name: string, opts: { force?: boolean } = {}): Promise<StopResult> {
    checkVmName(name)
    return await this.counted('stop', async () => await this.locks.run(name, async () => {
      const rec = await this.record(name)
      rec.desired = 'stopped'
      await this.store.put(rec)
      const info = await this.ownedDomain(rec)
      let forced = false
      if (info != null && isActive(info.state)) forced = await this.powerOff(name, opts.force === true)
      this.log.info('VM stopped', { vm: name, forced })
      return { vm: await this.viewAndNotify(rec), forced }
    }))
  }

  /** Stop if running, undefine the domain, remove its disk, forget it. */
  async deleteVm (name: string): Promise<void> {
    checkVmName(name)
    await this.counted('delete', async () => await this.locks.run(name, async () => {
      const rec = await this.record(name)
      const info = await this.ownedDomain(rec, false)
      if (info != null) {
        if (isActive(info.state)) await this.hv.destroy(name)
        await this.hv.undefine(name)
      }
      await this.disks.removeVm(name)
      await this.store.delete(name)
      this.states.delete(name)
      this.log.info('VM deleted', { vm: name })
      await this.notify()
    }))
  }

  /** Reservations of this node's VMs, as gossiped. */
  async allocations (): Promise<VmAllocation[]> {
    return (await this.store.list()).map(r => ({
      name: r.spec.name,
      state: this.states.get(r.spec.name) ?? (r.phase === 'creating' ? 'creating' : r.desired),
      vcpus: r.spec.vcpus,
      memoryBytes: r.spec.memoryBytes,
      diskBytes: r.diskBytes,
      gpus: r.spec.gpus
    }))
  }

  private async record (name: string): Promise<VmRecord> {
    const rec = await this.store.get(name)
    if (rec == null) throw new VmNotFoundError(name)
    return rec
  }

  private async domainXml (rec: VmRecord): Promise<string> {
    await this.hv.connect()
    rec.uuid ??= (await this.hv.find(rec.spec.name))?.uuid
    return buildDomainXml({ spec: rec.spec, uuid: rec.uuid, owner: this.owner, domainType: this.hv.domainType, diskPath: rec.diskPath, consoleLogPath: rec.consoleLogPath })
  }

  /** The domain of a record if it exists and carries our marker; a foreign domain of that name is an error. */
  private async ownedDomain (rec: VmRecord, throwIfForeign = true): Promise<DomainInfo | undefined> {
    const info = await this.hv.find(rec.spec.name)
    if (info == null) return undefined
    if (readOwner(await this.hv.xml(rec.spec.name)) !== this.owner) {
      if (throwIfForeign) throw new DomainNotOwnedError(rec.spec.name)
      return undefined
    }
    return info
  }

  private async checkMemory (wanted: number, exclude: string): Promise<void> {
    await checkMemory(this.hv, await this.store.list(), wanted, exclude, this.reservedMemory)
  }

  private async powerOff (name: string, force: boolean): Promise<boolean> {
    return await powerOff(this.hv, name, { force, timeoutMs: this.stopTimeoutMs, log: this.log })
  }

  /** Undo a half-done create: our domain (if any), the VM's disk dir, the record. */
  private async rollback (rec: VmRecord): Promise<void> {
    const name = rec.spec.name
    try {
      const info = await this.ownedDomain(rec, false)
      if (info != null) {
        if (isActive(info.state)) await this.hv.destroy(name)
        await this.hv.undefine(name)
      }
    } catch (err) {
      this.log.error('rollback could not remove the domain', { vm: name, err })
    }
    await this.disks.removeVm(name).catch(err => { this.log.error('rollback could not remove the disk', { vm: name, err }) })
    await this.store.delete(name)
  }

  private async view (rec: VmRecord, detailed: boolean): Promise<VmView> {
    if (rec.phase === 'creating') return toView(rec, this.owner, 'creating', { progress: this.progress.get(rec.spec.name) })
    let state: VmState = 'unknown'
    let domain: { id: number | null, uuid: string } | undefined
    try {
      const info = await this.hv.find(rec.spec.name)
      if (info == null) state = 'missing'
      else if (readOwner(await this.hv.xml(rec.spec.name)) !== this.owner) state = 'foreign'
      else {
        state = info.state
        domain = { id: info.id, uuid: info.uuid }
      }
    } catch (err) {
      if (!(err instanceof HypervisorUnavailableError)) throw err
    }
    this.states.set(rec.spec.name, state)
    const allocatedBytes = detailed ? await this.diskAllocation(rec, state) : undefined
    return toView(rec, this.owner, state, { allocatedBytes, domain })
  }

  /** Allocated disk bytes: live from QEMU through `virsh domblkinfo` while running, else from the file. */
  private async diskAllocation (rec: VmRecord, state: VmState): Promise<number | undefined> {
    if (state === 'running' && this.hv.domainType !== 'test') {
      const live = await domainBlockInfo(this.hv.uri, rec.spec.name).catch(() => undefined)
      if (live != null && Number.isFinite(live.allocationBytes)) return live.allocationBytes
    }
    return await diskFileInfo(rec.diskPath).then(i => i.allocationBytes, () => undefined)
  }

  private async adoptAll (): Promise<void> {
    await adoptAll({
      hv: this.hv,
      store: this.store,
      owner: this.owner,
      log: this.log,
      locks: this.locks,
      states: this.states,
      domainXml: async rec => await this.domainXml(rec),
      rollback: async rec => { await this.rollback(rec) },
      stopLater: name => {
        void this.locks.run(name, async () => { await this.powerOff(name, false) })
          .then(async () => { await this.notify() }, err => { this.log.error('could not stop VM', { vm: name, err }) })
      }
    })
    this.adopted = true
  }

  private schedule (): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      void this.watch().finally(() => { this.schedule() })
    }, this.watchIntervalMs)
    this.timer.unref()
  }

  /** Adopt once libvirt is reachable; then notice state changes made outside this service. */
  private async watch (): Promise<void> {
    try {
      if (!this.adopted) await this.adoptAll()
      const before = JSON.stringify([...this.states])
      await this.list()
      if (JSON.stringify([...this.states]) !== before) await this.notify()
    } catch (err) {
      this.log.debug('VM watch failed', { err })
    }
  }

  private async viewAndNotify (rec: VmRecord): Promise<VmView> {
    const view = await this.view(rec, false)
    await this.notify()
    return view
  }

  private async notify (): Promise<void> {
    if (this.sink == null) return
    try {
      this.sink(await this.allocations())
    } catch (err) {
      this.log.warn('VM allocation sink failed', { err })
    }
  }
}
