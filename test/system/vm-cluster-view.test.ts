/**
 * VM reservations travel in the gossiped state: a VM created on one node shows up, with its state and size,
 * in another node's cluster view, and leaves it when deleted. Real `novacron` processes (a seed and two
 * nodes); the VM node uses libvirt's test:///default driver (config `vms.libvirtUri`), so no QEMU is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, writeFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'
import { runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import type { VmAllocation } from '../../src/vms/allocation.js'

interface ClusterBody { members: Array<{ peerId: string, vms: VmAllocation[] }> }

describe('VM reservations in the cluster view', () => {
  let cluster: TestCluster
  let host: NovacronProcess
  let observer: NovacronProcess
  let seed: NovacronProcess

  const vmsOfHostSeenBy = async (node: NovacronProcess): Promise<VmAllocation[] | undefined> =>
    (await node.get<ClusterBody>('/api/v1/cluster')).members.find(m => m.peerId === host.peerId)?.vms

  beforeAll(async () => {
    cluster = await TestCluster.create('novacron-vmview-')
    seed = await cluster.init('bootstrap', { name: 'seed' })
    host = await cluster.init('node', { name: 'host', bootstrap: [seed.addr] })
    observer = await cluster.init('node', { name: 'observer', bootstrap: [seed.addr] })
    const configPath = join(host.dataDir, 'config.json')
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
    await writeFile(configPath, JSON.stringify({ ...config, vms: { libvirtUri: 'test:///default' } }, null, 2))
    await seed.start()
    await host.start()
    await observer.start()
    const disk = join(cluster.root, 'disk.raw')
    await writeFile(disk, '')
    await truncate(disk, 4 * 1024 * 1024)
    const added = await runCli(['image', 'add', disk, '--name', 'blank', '--data-dir', host.dataDir, '--json'], { timeoutMs: 60_000 })
    expect(added.code, added.stderr).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await cluster?.destroy()
  })

  it('shows a VM created on one node in another node\'s view, then its stop and its deletion', async () => {
    const create = await runCli(['vm', 'create', '--name', 'web-1', '--image', 'blank', '--vcpus', '2', '--memory', '96M', '--data-dir', host.dataDir, '--json'])
    expect(create.code, create.stderr).toBe(0)
    const seen = await waitFor(async () => (await vmsOfHostSeenBy(observer))?.find(v => v.name === 'web-1' && v.state === 'running'),
      { timeoutMs: 30_000, what: 'web-1 running in the observer\'s view' })
    expect(seen).toEqual({ name: 'web-1', state: 'running', vcpus: 2, memoryBytes: 96 * 1024 * 1024, diskBytes: 4 * 1024 * 1024, gpus: 0 })
    const stop = await runCli(['vm', 'stop', 'web-1', '--force', '--data-dir', host.dataDir])
    expect(stop.code, stop.stderr).toBe(0)
    await waitFor(async () => (await vmsOfHostSeenBy(observer))?.find(v => v.name === 'web-1')?.state === 'shutoff',
      { timeoutMs: 30_000, what: 'web-1 shut off in the observer\'s view' })
    const del = await runCli(['vm', 'delete', 'web-1', '--data-dir', host.dataDir])
    expect(del.code, del.stderr).toBe(0)
    await waitFor(async () => (await vmsOfHostSeenBy(observer))?.length === 0, { timeoutMs: 30_000, what: 'web-1 gone from the observer\'s view' })
    // the observer itself runs no VMs
    expect((await observer.get<ClusterBody>('/api/v1/cluster')).members.find(m => m.peerId === observer.peerId)?.vms).toEqual([])
  }, 120_000)

  it('runs no VM service on a bootstrap seed', async () => {
    const res = await fetch(`${seed.apiUrl}/api/v1/vms`)
    expect(res.status).toBe(404)
    expect((await res.json() as { error: { code: string } }).error.code).toBe('ERR_NO_ROUTE')
  })
})
