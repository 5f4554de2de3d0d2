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
import { waitFor } from '../helpers/wait-for.js'
import { FileImageProvider } from '../fixtures/tiny-guest/file-image-provider.js'
import { main } from '../../node/cli-main.js'
import type { Io } from '../../node/cli-kit.js'
import { Writable } from 'node:stream'

function captureIo (env: NodeJS.ProcessEnv): Io & { out: () => string, err: () => string } {
  let out = ''
  let err = ''
  const sink = (add: (s: string) => void): Writable => new Writable({ write (chunk: Buffer, _enc, cb) { add(chunk.toString()); cb() } })
  return {
    stdout: sink(s => { out += s }),
    stderr: sink(s => { err += s }),
    env,
    stopSignal: new Promise(() => {}),
    out: () => out,
    err: () => err
  }
}

const TOKEN = 'test-token-0123456789'

interface Reply { status: number, body: { error?: { code: string, field?: string } } & Record<string, unknown> }

describe('VM HTTP API on libvirt test:///default', () => {
  let dir: string
  let db: Database
  let api: ApiServer
  let down: ApiServer
  let images: FileImageProvider
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
    images = new FileImageProvider()
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

  it('`novacron vm create --progress` shows the image being materialised, then the VM', async () => {
    const slow = `${name}-slow`
    let open = (): void => {}
    // an image no VM has used yet, so its base is materialised by this create
    images.add('fresh', join(dir, 'tiny.raw'))
    images.gate = new Promise(resolve => { open = resolve })
    const io = captureIo({ NOVACRON_TOKEN: TOKEN })
    const cli = main(['vm', 'create', '--name', slow, '--image', 'fresh', '--memory', '64M', '--progress', '--json', '--api', api.url()], io)
    try {
      // the create is held inside materialise: the API shows it as creating, with bytes
      const during = await waitFor(async () => {
        const r = await call(api, 'GET', `/api/v1/vms/${slow}`, undefined, null)
        return r.status === 200 && r.body.state === 'creating' ? r.body : undefined
      }, { timeoutMs: 10_000, what: 'VM in state creating' })
      expect(during.progress).toEqual({ step: 'materialise', doneBytes: 512 * 1024, totalBytes: 1024 * 1024 })
      await waitFor(() => io.err().includes('materialising image'), { timeoutMs: 10_000, what: 'CLI progress line' })
    } finally {
      open()
      images.gate = undefined
    }
    expect(await cli).toBe(0)
    expect(io.err()).toContain(`${slow}: materialising image 512K / 1M (50%)`)
    expect(JSON.parse(io.out())).toMatchObject({ name: slow, state: 'running' })
    expect((await call(api, 'GET', `/api/v1/vms/${slow}`)).body.progress).toBeUndefined()
    expect((await call(api, 'DELETE', `/api/v1/vms/${slow}`)).status).toBe(200)
  })
})
