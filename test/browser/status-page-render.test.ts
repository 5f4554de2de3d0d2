import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUS_PAGE_HTML } from '../../src/api/status-page/page.js'

/**
 * The page's drawing of sections a small test mesh leaves empty (VMs here and elsewhere, transfers with a rate
 * chart, migrations with progress), in real headless Chromium. The page is the real one; its event stream is a
 * recorded one served through request interception, shaped like the API's (GET /api/v1/events).
 */
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts')
const ORIGIN = 'http://novacron.test'
const GiB = 1024 ** 3

const member = (peerId: string, site: string, liveness: string, vms: unknown[], memoryFree: number): unknown => ({
  peerId, self: peerId === 'self-peer', liveness, livenessAgeSeconds: 3, recordAgeSeconds: 0.4, bootEpoch: 1, seq: 9, role: 'node', site,
  labels: { rack: `r-${site}` }, addresses: [], version: '0.1.0', vms,
  resources: { cpuCores: 16, load: 4.2, memoryTotal: 64 * GiB, memoryFree, diskTotal: 2000 * GiB, diskFree: 1200 * GiB, gpus: [] }
})
const vm = (name: string, state: string): unknown => ({ name, state, vcpus: 2, memoryBytes: 2 * GiB, diskBytes: 20 * GiB, gpus: 0 })
const transfer = (doneBytes: number, rate: number): unknown => ({
  id: 't1', ref: 'ubuntu@24.04', state: 'running', totalBytes: 10 * GiB, doneBytes, reusedBytes: 0, wireBytes: doneBytes,
  rateBytesPerSec: rate, etaSeconds: 60, peers: 3, chunksTotal: 100, chunksDone: 40, startedAt: 0, banned: [], perPeer: [], out: '/srv/vm/ubuntu.raw'
})
const TOPICS = {
  status: { data: { peerId: 'self-peer', role: 'node', site: 'edge-a', labels: { rack: 'r-edge-a' }, addresses: ['/ip4/10.0.0.1/tcp/4001/p2p/self-peer'], connections: 2, knownPeers: 2, uptimeSeconds: 3725, version: '0.1.0', health: 'ok' } },
  peers: { data: [{ peerId: 'peer-b', addresses: [], connected: true, latencyMs: 3.2, role: 'node', site: 'edge-b' }, { peerId: 'peer-c', addresses: [], connected: false, role: 'node', site: 'edge-b' }] },
  cluster: {
    data: {
      self: 'self-peer', sites: [], totals: {},
      members: [member('self-peer', 'edge-a', 'alive', [vm('web-1', 'running')], 40 * GiB), member('peer-b', 'edge-b', 'alive', [vm('db-1', 'running'), vm('db-2', 'stopped')], 20 * GiB), member('peer-c', 'edge-b', 'suspect', [], 60 * GiB)]
    }
  },
  vms: { data: [{ name: 'web-1', state: 'running', vcpus: 2, memoryBytes: 2 * GiB }, { name: 'batch-7', state: 'stopped', vcpus: 4, memoryBytes: 8 * GiB }] },
  images: { data: [{ ref: 'ubuntu@24.04', name: 'ubuntu', version: '24.04', size: 10 * GiB, chunks: 100 }] },
  transfers: { data: [transfer(4 * GiB, 80 * 1024 ** 2)] },
  migrations: { data: [{ vm: 'db-2', source: 'peer-b', target: 'self-peer', phase: 'copying', progress: 0.62 }] }
}
const STREAM = [
  `retry: 60000\nevent: snapshot\ndata: ${JSON.stringify({ time: 1, topics: TOPICS })}\n\n`,
  `event: change\ndata: ${JSON.stringify({ time: 2, topic: 'transfers', data: [transfer(5 * GiB, 120 * 1024 ** 2)] })}\n\n`
].join('')

describe('status page drawing (real Chromium, recorded event stream)', () => {
  let context: BrowserContext
  let profile: string
  let page: Page

  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), 'novacron-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
    })
    await context.route('**/*', async route => {
      const url = new URL(route.request().url())
      if (url.origin !== ORIGIN) return await route.abort()
      if (url.pathname === '/') return await route.fulfill({ contentType: 'text/html; charset=utf-8', body: STATUS_PAGE_HTML })
      if (url.pathname === '/api/v1/events') return await route.fulfill({ contentType: 'text/event-stream', body: STREAM })
      return await route.fulfill({ status: 404, body: '' })
    })
    page = await context.newPage()
    await mkdir(ARTIFACTS, { recursive: true })
  }, 60_000)

  afterAll(async () => {
    await context?.close().catch(() => {})
    if (profile != null) await rm(profile, { recursive: true, force: true })
  })

  it('draws VMs here and elsewhere, transfers with progress and a rate chart, migrations with progress, sites with charts', async () => {
    const errors: string[] = []
    page.on('pageerror', e => errors.push(e.message))
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()) })
    await page.goto(`${ORIGIN}/`)
    await page.locator('#transfers', { hasText: '50%' }).waitFor({ timeout: 10_000 })
    // VMs: two here (the VM API), two on peer-b (its gossiped record); this node's own record is not counted twice
    await expect.poll(async () => await page.locator('#vms tr').count()).toBe(4)
    expect(await page.locator('#vms').textContent()).toMatch(/db-2.*peer-b/s)
    expect(await page.locator('#transfers').textContent()).toContain('120 MiB/s')
    expect(await page.locator('#transfers').textContent()).toContain('→ /srv/vm/ubuntu.raw')
    await expect.poll(async () => await page.locator('#migrations').textContent()).toMatch(/db-2.*copying.*62%/s)
    expect(await page.locator('#sites svg[aria-label="resource use"]').count()).toBe(2)
    expect(await page.locator('[data-site="edge-b"] .legend').textContent()).toMatch(/1 alive.*1 suspect.*0 dead/)
    expect(await page.locator('#uptime').textContent()).toMatch(/^1h 2m/)
    // the rate chart appears once two samples exist (one per second)
    await page.locator('#rate-chart svg[aria-label="transfer rate"]').waitFor({ timeout: 10_000 })
    expect(errors).toEqual([])
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-sections.png'), fullPage: true })
  })
})
