import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Registry } from 'prom-client'
import { ApiServer } from '../../src/api/server.js'
import { vmRoutes } from '../../src/api/routes/vms.js'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { LibvirtHypervisor } from '../../src/vms/libvirt-hypervisor.js'
import { VmService } from '../../src/vms/vm-service.js'
import { FileImageProvider } from '../fixtures/tiny-guest/file-image-provider.js'

const TOKEN = 'test-token-0123456789'

interface Reply { status: number, body: { error?: { code: string, field?: string } } & Record<string, unknown> }

describe('VM HTTP API on libvirt test:///default', () => {
  let dir: string
  let db: Database
  let api: ApiServer
  let down: ApiServer
  const services: VmService[] = []
  const registry = new Registry()
  const name = `api${randomBytes(3).toString('hex')}`

  async function call (server: ApiServer, method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Reply> {
    const res = await fetch(server.url() + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token != null ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined
    })
    return { status: res.status, body: await res.json() as Reply['body'] }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vm-api-'))
    db = await openDatabase(dir)
    const images = new FileImageProvider()
    await writeFile(join(dir, 'tiny.raw'), Buffer.alloc(1024 * 1024))
    images.add('tiny', join(dir, 'tiny.raw'))
    const make = async (uri: string, sub: string): Promise<ApiServer> => {
      const svc = new VmService({ hypervisor: new LibvirtHypervisor({ uri }), images, db, ownerId: 'owner', imagesDir: join(dir, sub), watchIntervalMs: 0, registry: sub === 'a' ? registry : undefined })
      await svc.start()
      services.push(svc)
      const server = new ApiServer({ host: '127.0.0.1', port: 0, token: TOKEN })
      for (const r of vmRoutes(svc)) server.route(r)
      await server.start()
      return server
    }
    api = await make('test:///default', 'a')
    down = await make('qemu+unix:///system?socket=/nonexistent/sock', 'b')
  })

  afterAll(async () => {
    await call(api, 'DELETE', `/api/v1/vms/${name}`).catch(() => {})
    for (const s of [api, down]) await s?.stop()
    for (const s of services) await s.stop()
    await db?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('runs the whole lifecycle over HTTP', async () => {
    const created = await call(api, 'POST', '/api/v1/vms', { name, image: 'tiny', vcpus: 2, memory: '64M', labels: { app: 'x' } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name, state: 'running', vcpus: 2, memoryBytes: 64 * 1024 * 1024 })
    expect((await call(api, 'GET', '/api/v1/vms', undefined, null)).body).toMatchObject([{ name }])
    expect((await call(api, 'GET', `/api/v1/vms/${name}`, undefined, null)).body).toMatchObject({ name, desired: 'running' })
    const stopped = await call(api, 'POST', `/api/v1/vms/${name}/stop`, { force: true })
    expect(stopped.status).toBe(200)
    expect(stopped.body).toMatchObject({ forced: true, vm: { state: 'shutoff' } })
    expect((await call(api, 'POST', `/api/v1/vms/${name}/start`)).body).toMatchObject({ state: 'running' })
    expect((await call(api, 'DELETE', `/api/v1/vms/${name}`)).body).toEqual({ deleted: name })
    expect((await call(api, 'GET', `/api/v1/vms/${name}`)).status).toBe(404)
    const metrics = await registry.metrics()
    expect(metrics).toContain('novacron_vm_operations_total{op="create",result="ok"} 1')
    expect(metrics).toContain('novacron_vm_operations_total{op="delete",result="ok"} 1')
  })

  it.each([
    ['no token on a mutation', 'POST', '/api/v1/vms', { name: 'x', image: 'tiny', memory: '64M' }, null, 401, 'ERR_UNAUTHORIZED', undefined],
    ['a bad field', 'POST', '/api/v1/vms', { name: 'x', image: 'tiny', memory: '64M', vcpus: -1 }, TOKEN, 400, 'ERR_INVALID_VM_SPEC', 'vcpus'],
    ['a bad name in the path', 'GET', '/api/v1/vms/-bad-', undefined, TOKEN, 400, 'ERR_INVALID_VM_SPEC', 'name'],
    ['an unknown VM', 'POST', '/api/v1/vms/nope/start', undefined, TOKEN, 404, 'ERR_VM_NOT_FOUND', undefined],
    ['an unknown image', 'POST', '/api/v1/vms', { name: 'x', image: 'nope', memory: '64M' }, TOKEN, 404, 'ERR_IMAGE_NOT_FOUND', undefined],
    ['a foreign domain name', 'POST', '/api/v1/vms', { name: 'test', image: 'tiny', memory: '64M' }, TOKEN, 409, 'ERR_VM_EXISTS', undefined],
    ['too much memory', 'POST', '/api/v1/vms', { name: 'x', image: 'tiny', memory: '4T' }, TOKEN, 409, 'ERR_INSUFFICIENT_MEMORY', 'memory'],
    ['too much disk', 'POST', '/api/v1/vms', { name: 'x', image: 'tiny', memory: '64M', diskSize: '60T' }, TOKEN, 409, 'ERR_INSUFFICIENT_DISK', 'disk'],
    ['a bad stop body', 'POST', '/api/v1/vms/x/stop', { force: 'yes' }, TOKEN, 400, 'ERR_INVALID_INPUT', 'force']
  ])('answers %s with %s %s', async (_what, method, path, body, token, status, code, field) => {
    const r = await call(api, method, path, body, token)
    expect(r.status).toBe(status)
    expect(r.body.error?.code).toBe(code)
    expect(r.body.error?.field).toBe(field)
    expect((await call(api, 'GET', '/api/v1/vms')).body).toEqual([])
    if (method === 'POST' && path === '/api/v1/vms' && status !== 401 && status !== 400) {
      expect(await registry.metrics()).toContain(`novacron_vm_operations_total{op="create",result="${code}"} 1`)
    }
  })

  it('answers 503 ERR_HYPERVISOR_UNAVAILABLE when libvirt is down', async () => {
    const r = await call(down, 'POST', '/api/v1/vms', { name: 'x', image: 'tiny', memory: '64M' })
    expect(r.status).toBe(503)
    expect(r.body.error?.code).toBe('ERR_HYPERVISOR_UNAVAILABLE')
    expect((await call(down, 'GET', '/api/v1/vms')).body).toEqual([])
  })
})
