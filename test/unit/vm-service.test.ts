import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile, access, readdir, statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { LibvirtHypervisor } from '../../src/vms/libvirt-hypervisor.js'
import { VmService } from '../../src/vms/vm-service.js'
import { parseCreateVm } from '../../src/vms/spec.js'
import { readOwner } from '../../src/vms/domain-xml.js'
import type { VmAllocation } from '../../src/vms/allocation.js'
import type { Hypervisor } from '../../src/vms/hypervisor.js'
import { FileImageProvider } from '../fixtures/tiny-guest/file-image-provider.js'
import { HypervisorUnavailableError } from '../../src/vms/errors.js'
import { waitFor } from '../helpers/wait-for.js'

const OWNER = '12D3KooWTestOwnerOfTheseDomains'
const exists = async (p: string): Promise<boolean> => await access(p).then(() => true, () => false)

/** libvirt's in-process test driver: its state lives as long as the test process. */
const URI = 'test:///default'

interface Ctx { dir: string, db: Database, images: FileImageProvider, hv: LibvirtHypervisor, svc: VmService, sink: VmAllocation[][] }

async function service (ctx: Pick<Ctx, 'dir' | 'db' | 'images' | 'sink'>, hv: Hypervisor = new LibvirtHypervisor({ uri: URI }), watchIntervalMs = 0): Promise<VmService> {
  const svc = new VmService({
    hypervisor: hv, images: ctx.images, db: ctx.db, ownerId: OWNER, imagesDir: join(ctx.dir, 'vms'),
    sink: a => { ctx.sink.push(a) }, stopTimeoutMs: 2000, watchIntervalMs
  })
  await svc.start()
  return svc
}

const unique = (): string => `t${randomBytes(4).toString('hex')}`
const create = (name: string, extra: Record<string, unknown> = {}): ReturnType<typeof parseCreateVm> =>
  parseCreateVm({ name, image: 'tiny', vcpus: 1, memory: '64M', ...extra })

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('VmService on libvirt test:///default', () => {
  let ctx: Ctx
  // keeps the test driver's state alive while a service closes and re-opens its connection
  const keeper = new LibvirtHypervisor({ uri: URI })

  beforeEach(async () => {
    await keeper.connect()
    const dir = await mkdtemp(join(tmpdir(), 'vm-svc-'))
    const db = await openDatabase(dir)
    const images = new FileImageProvider()
    await writeFile(join(dir, 'tiny.raw'), Buffer.alloc(1024 * 1024, 1))
    images.add('tiny', join(dir, 'tiny.raw'))
    const sink: VmAllocation[][] = []
    const hv = new LibvirtHypervisor({ uri: URI })
    ctx = { dir, db, images, hv, sink, svc: await service({ dir, db, images, sink }, hv) }
  })

  afterEach(async () => {
    for (const vm of await ctx.svc.list().catch(() => [])) await ctx.svc.deleteVm(vm.name).catch(() => {})
    await ctx.svc.stop()
    await ctx.db.close()
    await rm(ctx.dir, { recursive: true, force: true })
  })

  it('creates a running VM with an owned domain, a qcow2 overlay and a reservation', async () => {
    const name = unique()
    const vm = await ctx.svc.create(create(name, { labels: { tier: 'web' } }))
    expect(vm.state).toBe('running')
    expect(vm.desired).toBe('running')
    expect(vm.host).toBe(OWNER)
    expect(readOwner(await keeper.xml(name))).toBe(OWNER)
    expect((await keeper.find(name))?.state).toBe('running')
    expect(await exists(vm.disk.path)).toBe(true)
    expect(vm.disk.virtualBytes).toBe(1024 * 1024)
    const shown = await ctx.svc.show(name)
    expect(shown.disk.allocatedBytes).toBeGreaterThan(0)
    expect(shown.labels).toEqual({ tier: 'web' })
    expect(ctx.sink.at(-1)).toEqual([{ name, state: 'running', vcpus: 1, memoryBytes: 64 * 1024 * 1024, diskBytes: 1024 * 1024, gpus: 0 }])
  })

  it('stops, starts and deletes; the disk stays until delete', async () => {
    const name = unique()
    const vm = await ctx.svc.create(create(name, { diskSize: '4M' }))
    expect(vm.disk.virtualBytes).toBe(4 * 1024 * 1024)
    const stopped = await ctx.svc.stopVm(name)
    expect(stopped.vm.state).toBe('shutoff')
    expect(stopped.vm.desired).toBe('stopped')
    expect(await exists(vm.disk.path)).toBe(true)
    expect(ctx.sink.at(-1)?.[0]?.state).toBe('shutoff')
    expect((await ctx.svc.startVm(name)).state).toBe('running')
    expect((await ctx.svc.stopVm(name, { force: true })).forced).toBe(true)
    await ctx.svc.deleteVm(name)
    expect(await keeper.find(name)).toBeUndefined()
    expect(await exists(vm.disk.path)).toBe(false)
    expect(await ctx.svc.list()).toEqual([])
    expect(ctx.sink.at(-1)).toEqual([])
    expect(await codeOf(ctx.svc.show(name))).toBe('ERR_VM_NOT_FOUND')
  })

  it('refuses a name clash, with its own VM or a foreign domain, and never touches the foreign one', async () => {
    const name = unique()
    await ctx.svc.create(create(name))
    expect(await codeOf(ctx.svc.create(create(name)))).toBe('ERR_VM_EXISTS')
    // the test driver ships a domain named "test" that carries no marker
    const before = await keeper.find('test')
    const xmlBefore = await keeper.xml('test')
    expect(await codeOf(ctx.svc.create(create('test')))).toBe('ERR_VM_EXISTS')
    const after = await keeper.find('test')
    expect([after?.state, after?.id, after?.uuid]).toEqual([before?.state, before?.id, before?.uuid])
    expect(await keeper.xml('test')).toBe(xmlBefore)
    expect(await exists(join(ctx.dir, 'vms', 'vms', 'test'))).toBe(false)
    expect(await codeOf(ctx.svc.stopVm('test'))).toBe('ERR_VM_NOT_FOUND')
    expect(await codeOf(ctx.svc.deleteVm('test'))).toBe('ERR_VM_NOT_FOUND')
    expect((await keeper.find('test'))?.state).toBe('running')
  })

  it.each([
    ['unknown image', { image: 'no-such-image' }, 'ERR_IMAGE_NOT_FOUND'],
    ['too much memory', { memory: '4T' }, 'ERR_INSUFFICIENT_MEMORY'],
    ['gpus on a host without', { gpus: 1 }, 'ERR_INSUFFICIENT_GPUS'],
    ['a disk smaller than the image', { diskSize: '4K' }, 'ERR_INVALID_VM_SPEC'],
    ['a kernel that does not exist', { kernel: '/nonexistent/vmlinuz' }, 'ERR_INVALID_VM_SPEC']
  ])('refuses %s with a stable code and creates nothing', async (_what, extra, code) => {
    const name = unique()
    expect(await codeOf(ctx.svc.create(create(name, extra)))).toBe(code)
    expect(await keeper.find(name)).toBeUndefined()
    expect(await exists(join(ctx.dir, 'vms', 'vms', name))).toBe(false)
    expect(await ctx.svc.list()).toEqual([])
  })

  it('rolls back everything when the hypervisor fails half-way through a create', async () => {
    const name = unique()
    await ctx.svc.stop()
    const failing = new LibvirtHypervisor({ uri: URI })
    failing.start = async () => { throw Object.assign(new Error('injected start failure'), { code: 'ERR_HYPERVISOR' }) }
    ctx.svc = await service(ctx, failing)
    expect(await codeOf(ctx.svc.create(create(name)))).toBe('ERR_HYPERVISOR')
    expect(await keeper.find(name)).toBeUndefined()
    expect(await exists(join(ctx.dir, 'vms', 'vms', name))).toBe(false)
    expect(await ctx.svc.list()).toEqual([])
  })

  it('counts running VMs against host memory', async () => {
    const host = await keeper.hostInfo()
    const half = Math.floor((host.memoryBytes - 256 * 1024 * 1024) / 2 / 1024 / 1024) + 1
    const a = unique()
    await ctx.svc.create(create(a, { memory: `${half}M` }))
    expect(await codeOf(ctx.svc.create(create(unique(), { memory: `${half}M` })))).toBe('ERR_INSUFFICIENT_MEMORY')
    const b = unique()
    await ctx.svc.create(create(b, { memory: `${half}M`, start: false }))
    expect(await codeOf(ctx.svc.startVm(b))).toBe('ERR_INSUFFICIENT_MEMORY')
    await ctx.svc.stopVm(a, { force: true })
    expect((await ctx.svc.startVm(b)).state).toBe('running')
  })

  it('re-adopts running domains after a restart without restarting them, and restores desired state', async () => {
    const running = unique()
    const stoppedOutside = unique()
    const keptStopped = unique()
    const startedOutside = unique()
    const vm = await ctx.svc.create(create(running))
    await ctx.svc.create(create(stoppedOutside))
    await ctx.svc.create(create(keptStopped, { start: false }))
    await ctx.svc.create(create(startedOutside, { start: false }))
    const idBefore = (await keeper.find(running))?.id
    expect(idBefore).not.toBeNull()
    await ctx.svc.stop()
    // while the node is down, someone powers one VM off
    await keeper.destroy(stoppedOutside)
    // and someone starts one that should stay stopped
    await keeper.start(startedOutside)
    ctx.svc = await service(ctx)
    const after = await keeper.find(running)
    expect(after?.state).toBe('running')
    expect(after?.id).toBe(idBefore)
    expect((await ctx.svc.show(running)).uptimeSeconds).not.toBeNull()
    expect((await ctx.svc.show(running)).createdAt).toBe(vm.createdAt)
    expect((await keeper.find(stoppedOutside))?.state).toBe('running')
    expect((await keeper.find(keptStopped))?.state).toBe('shutoff')
    await waitFor(async () => (await keeper.find(startedOutside))?.state === 'shutoff', { timeoutMs: 10_000, what: 'desired-stopped VM shut down again' })
    expect((await ctx.svc.list()).map(v => v.name).sort()).toEqual([running, stoppedOutside, keptStopped, startedOutside].sort())
  })

  it('rolls back a create that a crash interrupted', async () => {
    const name = unique()
    await ctx.svc.create(create(name))
    await ctx.svc.stop()
    // simulate a crash between "record written" and "ready": mark the record creating again
    const level = ctx.db.sublevel<string, Uint8Array>('vms', { valueEncoding: 'view' })
    const rec = JSON.parse(new TextDecoder().decode(await level.get(name))) as { phase: string }
    rec.phase = 'creating'
    await level.put(name, new TextEncoder().encode(JSON.stringify(rec)))
    ctx.svc = await service(ctx)
    expect(await keeper.find(name)).toBeUndefined()
    expect(await ctx.svc.list()).toEqual([])
    expect(await readdir(join(ctx.dir, 'vms', 'vms'))).toEqual([])
  })

  it('reports libvirt being down with ERR_HYPERVISOR_UNAVAILABLE and creates nothing', async () => {
    await ctx.svc.stop()
    ctx.svc = await service(ctx, new LibvirtHypervisor({ uri: 'qemu+unix:///system?socket=/nonexistent/libvirt-sock' }))
    const name = unique()
    expect(await codeOf(ctx.svc.create(create(name)))).toBe('ERR_HYPERVISOR_UNAVAILABLE')
    expect(await ctx.svc.list()).toEqual([])
    expect(await exists(join(ctx.dir, 'vms', 'vms', name))).toBe(false)
  })

  it('notices a domain powered off outside the service and reports it to the sink', async () => {
    const name = unique()
    await ctx.svc.create(create(name))
    await ctx.svc.stop()
    ctx.svc = await service(ctx, new LibvirtHypervisor({ uri: URI }), 50)
    await keeper.destroy(name)
    await waitFor(() => ctx.sink.at(-1)?.find(a => a.name === name)?.state === 'shutoff', { timeoutMs: 10_000, what: 'sink reports shutoff' })
    expect((await ctx.svc.show(name)).state).toBe('shutoff')
  })

  it('adopts its VMs once libvirt comes back after being down at start', async () => {
    const name = unique()
    await ctx.svc.create(create(name))
    await ctx.svc.stop()
    await keeper.destroy(name)
    const real = new LibvirtHypervisor({ uri: URI })
    let down = true
    const flaky = new Proxy(real, {
      get (target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown
        if (typeof v !== 'function') return v
        return async (...args: unknown[]) => {
          if (down) throw new HypervisorUnavailableError('injected: libvirtd down')
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        }
      }
    })
    ctx.svc = await service(ctx, flaky, 50)
    expect((await ctx.svc.show(name)).state).toBe('unknown')
    down = false
    // desired state is running: once reachable, the service starts it again
    await waitFor(async () => (await keeper.find(name))?.state === 'running', { timeoutMs: 10_000, what: 'VM restarted after libvirt came back' })
    await waitFor(() => ctx.sink.at(-1)?.find(a => a.name === name)?.state === 'running', { timeoutMs: 10_000, what: 'sink reports running' })
  })

  it('counts the disk of creates still in flight, so two concurrent creates cannot both take the last space', async () => {
    const fs = await statfs(ctx.dir)
    const free = fs.bavail * fs.bsize
    const size = `${Math.floor(free * 0.6 / 1024 / 1024)}M`
    let open = (): void => {}
    ctx.images.gate = new Promise(resolve => { open = resolve })
    const a = unique()
    const first = ctx.svc.create(create(a, { diskSize: size }))
    try {
      await waitFor(async () => (await ctx.svc.show(a).catch(() => undefined))?.state === 'creating', { timeoutMs: 10_000, what: 'first create in flight' })
      expect(await codeOf(ctx.svc.create(create(unique(), { diskSize: size })))).toBe('ERR_INSUFFICIENT_DISK')
    } finally {
      open()
      ctx.images.gate = undefined
    }
    expect((await first).state).toBe('running')
    // once created, its overlay is thin: the space is free again for the next create
    expect((await ctx.svc.create(create(unique(), { diskSize: size }))).state).toBe('running')
  })
})
