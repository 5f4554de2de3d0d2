import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'

/**
 * The status page in real headless Chromium (Debian's /usr/bin/chromium through playwright-core) against a mesh of
 * real `novacron` processes: a bootstrap seed and three nodes, the third started while the page is open.
 */
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts')
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

describe('status page in headless Chromium', () => {
  let cluster: TestCluster
  let nodes: NovacronProcess[]
  let third: NovacronProcess
  let browser: BrowserContext
  let profile: string
  let page: Page

  beforeAll(async () => {
    cluster = await TestCluster.create('novacron-page-')
    const { seeds, nodes: first } = await cluster.startMesh({ bootstraps: 1, nodes: 2 })
    third = await cluster.init('node', { name: 'node3', site: 'branch-7', bootstrap: seeds.map(s => s.addr) })
    nodes = [...first, third]
    profile = await mkdtemp(join(tmpdir(), 'novacron-chromium-'))
    // a fresh, empty user data dir: no profile state from anywhere else
    browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 900 } })
    page = await browser.newPage()
    await mkdir(ARTIFACTS, { recursive: true })
  }, 120_000)

  afterAll(async () => {
    await browser?.close().catch(() => {})
    await cluster?.destroy()
    if (profile != null) await rm(profile, { recursive: true, force: true })
  })

  it('loads self-contained and goes live over server-sent events', async () => {
    const external: string[] = []
    page.on('request', r => { if (!r.url().startsWith(nodes[0]!.apiUrl)) external.push(r.url()) })
    await page.goto(nodes[0]!.apiUrl + '/')
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 20_000 })
    await expect.poll(async () => await page.locator('#peer-id').textContent(), { timeout: 20_000 }).toBe(nodes[0]!.peerId)
    await expect.poll(async () => await page.locator('#site-title').textContent()).toContain('node1')
    expect(external, 'the page must load nothing from outside the node').toEqual([])
  })

  it('shows a node that joins while the page is open, without a reload, until all three nodes are listed', async () => {
    const navigations: string[] = []
    page.on('framenavigated', f => { if (f === page.mainFrame()) navigations.push(f.url()) })
    await third.start()
    for (const n of nodes.slice(1)) {
      await page.locator(`#peers tr[data-peer="${n.peerId}"] td.ok`).waitFor({ timeout: 45_000 })
    }
    for (const n of nodes) await page.locator(`#nodes tr[data-node="${n.peerId}"]`).waitFor({ timeout: 20_000 })
    await page.locator('#sites [data-site="branch-7"]').waitFor({ timeout: 20_000 })
    expect(navigations, 'the page must update in place').toEqual([])
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true })
  })

  it('shows a label change made on another node live, when the node has a label-change route', async (ctx) => {
    const doc = await nodes[1]!.get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json')
    const route = doc.paths['/api/v1/labels']
    if (route?.put == null && route?.patch == null) ctx.skip()
    const { readFile } = await import('node:fs/promises')
    const token = (await readFile(join(nodes[1]!.dataDir, 'api.token'), 'utf8')).trim()
    const res = await fetch(nodes[1]!.apiUrl + '/api/v1/labels', {
      method: route?.put != null ? 'PUT' : 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ set: { rack: 'r42' } })
    })
    expect(res.status, await res.text()).toBeLessThan(300)
    await page.locator(`#nodes tr[data-node="${nodes[1]!.peerId}"] .labels`, { hasText: 'rack=r42' }).waitFor({ timeout: 30_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true })
  })

  it('is readable at phone width (390 px): no horizontal overflow of the page', async () => {
    const phone = await browser.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    try {
      await phone.goto(nodes[0]!.apiUrl + '/')
      for (const n of nodes) await phone.locator(`#nodes tr[data-node="${n.peerId}"]`).waitFor({ timeout: 20_000 })
      const overflow = await phone.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number
      expect(overflow).toBeLessThanOrEqual(0)
      await phone.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true })
    } finally {
      await phone.close()
    }
  })
})
