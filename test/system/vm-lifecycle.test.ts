/**
 * Real VMs: a `novacron node start` process drives libvirtd + QEMU (TCG here, KVM where the CPU has it) to boot
 * the tiny guest (Debian kernel + busybox initramfs that writes a counter to its disk every second).
 * Shows: `novacron image add` of the guest disk, `novacron vm create --image` from the chunk store, virsh confirms it runs, the counter moves on disk, stop/start/delete,
 * bad input refused with nothing half-created, offline autonomy (the node's only bootstrap seed is down,
 * it has no peers) and re-adoption of the running VM after SIGTERM and SIGKILL of the node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { runCli, type CliResult } from '../helpers/cli.js'
import { freePort } from '../helpers/free-port.js'
import { waitFor } from '../helpers/wait-for.js'
import { ensureTinyGuest, makeCounterDisk, readCounter, type TinyGuest } from '../fixtures/tiny-guest/build-guest.js'
import { VmNodeProcess, ensureLibvirtd, qemuPid, virsh } from '../fixtures/tiny-guest/vm-node-process.js'
import type { VmView } from '../../src/vms/view.js'
import type { StatusBody } from '../../src/api/routes/mesh.js'

const skipReason = await ensureLibvirtd()
if (skipReason != null) console.warn(`vm-lifecycle: skipped: ${skipReason}`)

/** Boot under TCG on a loaded 2-core machine can take half a minute or more. */
const BOOT_MS = 240_000
const VM = `nvt-${randomBytes(3).toString('hex')}`
const exists = async (p: string): Promise<boolean> => await access(p).then(() => true, () => false)
async function peerIdOf (dataDir: string): Promise<string> {
  const r = await runCli(['id', '--data-dir', dataDir, '--json'])
  if (r.code !== 0) throw new Error(`novacron id failed (${r.code}): ${r.stderr}`)
  return (JSON.parse(r.stdout) as { peerId: string }).peerId
}

describe.skipIf(skipReason != null)('VMs on libvirt + QEMU through a novacron node', () => {
  let root: string
  let dataDir: string
  let node: VmNodeProcess
  let guest: TinyGuest
  let peerId: string
  const cli = async (...args: string[]): Promise<CliResult> => await runCli([...args, '--data-dir', dataDir], { timeoutMs: 120_000 })
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await cli(...args, '--json')
    if (r.code !== 0) throw new Error(`novacron ${args.join(' ')} → ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  const show = async (): Promise<VmView> => await json<VmView>('vm', 'show', VM)
  const counter = async (): Promise<number> => (await readCounter((await show()).disk.path, root)) ?? 0
  /** Wait until the counter on disk passes `after` (the guest is running and writing). */
  const counterPasses = async (after: number): Promise<number> =>
    await waitFor(async () => { const n = await counter(); return n > after ? n : undefined }, { timeoutMs: BOOT_MS, intervalMs: 2000, what: `counter > ${after}` })

  beforeAll(async () => {
    guest = await ensureTinyGuest()
    // QEMU runs as libvirt-qemu: every directory on the way to the disks must be traversable
    root = await mkdtemp('/var/tmp/novacron-vm-')
    await chmod(root, 0o755)
    const images = join(root, 'images')
    await mkdir(images, { mode: 0o755 })
    await makeCounterDisk(join(images, 'tiny.raw'))
    const secret = join(root, 'cluster.secret')
    expect((await runCli(['secret', 'new', '--out', secret])).code).toBe(0)
    // a seed that is never started: the node's mesh links are cut from the start (offline autonomy)
    const seedDir = join(root, 'seed')
    expect((await runCli(['init', '--data-dir', seedDir, '--secret-file', secret])).code).toBe(0)
    const deadSeed = `/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${await peerIdOf(seedDir)}`
    dataDir = join(root, 'node')
    const apiPort = await freePort()
    const init = await runCli(['init', '--data-dir', dataDir, '--secret-file', secret, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', `127.0.0.1:${apiPort}`, '--bootstrap', deadSeed])
    expect(init.code, init.stderr).toBe(0)
    await chmod(dataDir, 0o755)
    const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')) as Record<string, unknown>
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ ...config, vms: { stopTimeoutSeconds: 20 } }, null, 2))
    peerId = await peerIdOf(dataDir)
    node = new VmNodeProcess(dataDir, `http://127.0.0.1:${apiPort}`)
    await node.start()
    // the guest's disk goes into the node's chunk store as an image, like any VM image
    const added = await runCli(['image', 'add', join(images, 'tiny.raw'), '--name', 'tiny', '--data-dir', dataDir, '--json'], { timeoutMs: 120_000 })
    expect(added.code, added.stderr).toBe(0)
  }, BOOT_MS)

  afterAll(async () => {
    await node?.stop('SIGKILL')
    // only the domain this test created (unique name, our marker) is removed
    if (await virsh(['domstate', VM]) != null) {
      await virsh(['destroy', VM])
      await virsh(['undefine', VM])
    }
    if (root != null) await rm(root, { recursive: true, force: true })
  }, 60_000)

  it('creates a VM through `novacron vm create`; virsh confirms it runs; the counter moves on disk', async () => {
    const vm = await json<VmView>('vm', 'create', '--name', VM, '--image', 'tiny', '--vcpus', '1', '--memory', '128M',
      '--kernel', guest.kernel, '--initrd', guest.initrd, '--cmdline', guest.cmdline, '--label', 'test=lifecycle', '--network', 'user')
    expect(vm.state).toBe('running')
    expect(vm.host).toBe(peerId)
    expect(vm.image).toEqual({ ref: 'tiny', name: 'tiny', version: '1' })
    expect(await virsh(['domstate', VM])).toBe('running')
    const xml = await virsh(['dumpxml', VM]) ?? ''
    expect(xml).toContain('https://novacron.dev/xmlns/vm/1')
    expect(xml).toContain(`<novacron:owner>${peerId}</novacron:owner>`)
    expect(xml).toContain("<interface type='user'>")
    const first = await counterPasses(0)
    await counterPasses(first)
    const list = await json<VmView[]>('vm', 'list')
    expect(list.map(v => [v.name, v.state])).toEqual([[VM, 'running']])
    // the reservation is in the node's gossiped state record, so the cluster view shows where the VM runs
    const cluster = await waitFor(async () => {
      const c = await json<{ members: Array<{ peerId: string, vms: Array<{ name: string, state: string, memoryBytes: number }> }> }>('cluster')
      const self = c.members.find(m => m.peerId === peerId)
      return self?.vms.some(v => v.name === VM && v.state === 'running') === true ? self : undefined
    }, { timeoutMs: 30_000, what: 'the VM in the cluster view' })
    expect(cluster.vms.find(v => v.name === VM)?.memoryBytes).toBe(128 * 1024 * 1024)
    const shown = await show()
    expect(shown.disk.path.endsWith('disk.qcow2')).toBe(true)
    expect(shown.disk.allocatedBytes).toBeGreaterThan(0)
    expect(shown.uptimeSeconds).not.toBeNull()
  }, BOOT_MS * 2)

  it('refuses bad input with a stable code and leaves nothing half-created', async () => {
    const clash = await cli('vm', 'create', '--name', VM, '--image', 'tiny', '--memory', '64M')
    expect([clash.code, clash.stderr]).toEqual([1, expect.stringContaining('ERR_VM_EXISTS')])
    const unknown = await cli('vm', 'create', '--name', `${VM}-x`, '--image', 'no-such-image', '--memory', '64M')
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('ERR_IMAGE_NOT_FOUND')])
    const huge = await cli('vm', 'create', '--name', `${VM}-y`, '--image', 'tiny', '--memory', '4T')
    expect([huge.code, huge.stderr]).toEqual([1, expect.stringContaining('ERR_INSUFFICIENT_MEMORY')])
    const bad = await cli('vm', 'create', '--name', `${VM}-z`, '--image', 'tiny', '--memory', 'lots')
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining('ERR_INVALID_VM_SPEC')])
    // the API names the field and needs the token for mutations
    const res = await fetch(`${node.apiUrl}/api/v1/vms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', image: 'tiny', memory: '64M' }) })
    expect(res.status).toBe(401)
    const token = (await readFile(join(dataDir, 'api.token'), 'utf8')).trim()
    const res400 = await fetch(`${node.apiUrl}/api/v1/vms`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'x', image: 'tiny', memory: '64M', vcpus: 0 }) })
    expect(res400.status).toBe(400)
    expect((await res400.json() as { error: { field: string, code: string } }).error).toMatchObject({ field: 'vcpus', code: 'ERR_INVALID_VM_SPEC' })
    for (const n of [`${VM}-x`, `${VM}-y`, `${VM}-z`]) {
      expect(await virsh(['domstate', n])).toBeUndefined()
      expect(await exists(join(dataDir, 'vms', 'vms', n))).toBe(false)
    }
    expect((await json<VmView[]>('vm', 'list')).map(v => v.name)).toEqual([VM])
  }, 120_000)

  it('with its mesh links cut, the node stops and starts its VM locally; the disk keeps its data', async () => {
    const status = await json<StatusBody>('status')
    expect(status.connections).toBe(0)
    expect(status.health).toBe('isolated')
    // graceful: the guest's acpid gets the power button, syncs and powers off
    const stop = await json<{ vm: VmView, forced: boolean }>('vm', 'stop', VM)
    expect(stop.vm.state).toBe('shutoff')
    expect(stop.forced).toBe(false)
    expect(await virsh(['domstate', VM])).toBe('shut off')
    const atStop = await counter()
    expect(atStop).toBeGreaterThan(0)
    // the disk outlives the stop, and nothing writes to it while the VM is off
    expect(await exists((await show()).disk.path)).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 3000))
    expect(await counter()).toBe(atStop)
    const started = await json<VmView>('vm', 'start', VM)
    expect(started.state).toBe('running')
    expect(await virsh(['domstate', VM])).toBe('running')
    // the guest continues from the value on disk
    await counterPasses(atStop)
    const forced = await json<{ vm: VmView, forced: boolean }>('vm', 'stop', VM, '--force')
    expect(forced.forced).toBe(true)
    expect(await virsh(['domstate', VM])).toBe('shut off')
    expect((await json<VmView>('vm', 'start', VM)).state).toBe('running')
    await counterPasses(await counter())
  }, BOOT_MS * 3)

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`re-adopts the running VM after ${signal} of the node, without restarting it`, async () => {
      const pid = await qemuPid(VM)
      expect(pid).toBeGreaterThan(0)
      const before = await show()
      const counterBefore = await counter()
      await node.stop(signal)
      // node gone, VM still running: the same QEMU process keeps writing
      expect(await virsh(['domstate', VM])).toBe('running')
      await node.start()
      expect(await qemuPid(VM)).toBe(pid)
      const after = await show()
      expect(after.state).toBe('running')
      expect(after.domain?.uuid).toBe(before.domain?.uuid)
      expect(after.domain?.id).toBe(before.domain?.id)
      expect(after.uptimeSeconds ?? 0).toBeGreaterThanOrEqual(before.uptimeSeconds ?? 0)
      expect((await json<VmView[]>('vm', 'list')).map(v => [v.name, v.state])).toEqual([[VM, 'running']])
      expect(node.logs).toContain('adopted running VM')
      await counterPasses(counterBefore)
      expect(await qemuPid(VM)).toBe(pid)
    }, BOOT_MS * 2)
  }

  it('deletes the VM: domain undefined, disk removed', async () => {
    const diskPath = (await show()).disk.path
    const del = await cli('vm', 'delete', VM)
    expect(del.code, del.stderr).toBe(0)
    expect(await virsh(['domstate', VM])).toBeUndefined()
    expect(await exists(diskPath)).toBe(false)
    expect(await json<VmView[]>('vm', 'list')).toEqual([])
    const gone = await cli('vm', 'show', VM)
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringContaining('ERR_VM_NOT_FOUND')])
  }, 120_000)
})
