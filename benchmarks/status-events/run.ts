/**
 * Status-page live updates: what the event stream (GET /api/v1/events) costs and how fast a change shows, against
 * the baseline of a page that polls every topic's GET route once a second (the same freshness the hub polls at),
 * measured in the same run on the same real processes (1 bootstrap seed + 2 nodes on 127.0.0.1).
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/status-events/run.js [--idle-s 30] [--changes 10]
 *
 * Writes benchmarks/status-events/results.json and results.md.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { TestCluster, type NovacronProcess } from '../../test/helpers/cluster.js'
import { waitFor } from '../../test/helpers/wait-for.js'
import { ROUTE_TOPICS } from '../../src/api/routes/events.js'
import { applyDelta, type Delta } from '../../src/api/event-delta.js'

const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/status-events/', import.meta.url))
const { values } = parseArgs({ options: { 'idle-s': { type: 'string', default: '30' }, changes: { type: 'string', default: '10' } }, strict: true })
const IDLE_MS = Number(values['idle-s']) * 1000
const CHANGES = Number(values.changes)
const POLL_MS = 1000

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }

/** An SSE subscriber that counts bytes, keeps each topic's value as the page does (applying deltas), and calls `onEvent`. */
function subscribe (url: string, onEvent: (topics: Record<string, unknown>) => void): { bytes: () => number, close: () => void } {
  const topics: Record<string, unknown> = {}
  const ctrl = new AbortController()
  let bytes = 0
  void (async () => {
    const res = await fetch(url, { signal: ctrl.signal })
    const reader = res.body!.getReader()
    let buf = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        bytes += value.byteLength
        buf += new TextDecoder().decode(value)
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const data = /\ndata: (.*)/.exec('\n' + frame)?.[1]
          if (data == null) continue
          const event = JSON.parse(data) as { topics?: Record<string, { data?: unknown }>, topic?: string, data?: unknown, patch?: Delta }
          if (event.topics != null) for (const [k, v] of Object.entries(event.topics)) topics[k] = v.data
          else if (event.topic != null) topics[event.topic] = event.patch != null ? applyDelta(topics[event.topic], event.patch) : event.data
          onEvent(topics)
        }
      }
    } catch { /* closed by the benchmark */ }
  })()
  return { bytes: () => bytes, close: () => { ctrl.abort() } }
}

/** A client that GETs every topic route each POLL_MS; counts bytes (bodies + a typical response head) and requests. */
function poller (base: string, paths: string[], onBody: (path: string, body: string) => void): { bytes: () => number, requests: () => number, stop: () => void } {
  let bytes = 0
  let requests = 0
  let running = true
  void (async () => {
    while (running) {
      const started = Date.now()
      await Promise.all(paths.map(async p => {
        const res = await fetch(base + p)
        const body = await res.text()
        const head = [...res.headers.entries()].reduce((n, [k, v]) => n + k.length + v.length + 4, 17)
        bytes += body.length + head
        requests++
        onBody(p, body)
      }))
      await sleep(Math.max(0, POLL_MS - (Date.now() - started)))
    }
  })()
  return { bytes: () => bytes, requests: () => requests, stop: () => { running = false } }
}

const cluster = await TestCluster.create('novacron-bench-events-')
try {
  const { nodes } = await cluster.startMesh({ bootstraps: 1, nodes: 2 })
  const [viewer, changer] = nodes as [NovacronProcess, NovacronProcess]
  await waitFor(async () => (await viewer.connectedPeerIds()).has(changer.peerId), { timeoutMs: 60_000, what: 'mesh' })
  const doc = await viewer.get<{ paths: Record<string, unknown> }>('/openapi.json')
  const paths = Object.values(ROUTE_TOPICS).filter(p => doc.paths[p] != null)

  // 1. idle cost per client over IDLE_MS
  const sse = subscribe(`${viewer.apiUrl}/api/v1/events`, () => {})
  const poll = poller(viewer.apiUrl, paths, () => {})
  await sleep(IDLE_MS)
  sse.close()
  poll.stop()
  const idle = { seconds: IDLE_MS / 1000, sseBytesPerSec: sse.bytes() / (IDLE_MS / 1000), pollBytesPerSec: poll.bytes() / (IDLE_MS / 1000), pollRequestsPerSec: poll.requests() / (IDLE_MS / 1000) }

  // 2. label change on one node → seen by a page on the other, through each mechanism (both watch the same changes)
  const token = (await readFile(join(changer.dataDir, 'api.token'), 'utf8')).trim()
  let want = ''
  let sseSeen = 0
  let pollSeen = 0
  const sees = (body: string): boolean => want !== '' && body.includes(`"bench":"${want}"`)
  const sse2 = subscribe(`${viewer.apiUrl}/api/v1/events`, topics => { if (sseSeen === 0 && sees(JSON.stringify(topics.cluster))) sseSeen = performance.now() })
  const poll2 = poller(viewer.apiUrl, ['/api/v1/cluster'], (_p, body) => { if (pollSeen === 0 && sees(body)) pollSeen = performance.now() })
  const sseMs: number[] = []
  const pollMs: number[] = []
  for (let i = 0; i < CHANGES; i++) {
    await sleep(300 + Math.random() * 1000) // random phase against the poller
    want = `v${i}`
    sseSeen = 0
    pollSeen = 0
    const t0 = performance.now()
    const res = await fetch(`${changer.apiUrl}/api/v1/labels`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ set: { bench: want } }) })
    if (!res.ok) throw new Error(`label change failed: ${res.status} ${await res.text()}`)
    await waitFor(() => sseSeen > 0 && pollSeen > 0, { timeoutMs: 15_000, intervalMs: 5, what: `change ${i} seen` })
    sseMs.push(sseSeen - t0)
    pollMs.push(pollSeen - t0)
  }
  sse2.close()
  poll2.stop()
  const latency = {
    changes: CHANGES,
    sse: { p50Ms: pct(sseMs, 0.5), maxMs: Math.max(...sseMs), samples: sseMs.map(Math.round) },
    poll1s: { p50Ms: pct(pollMs, 0.5), maxMs: Math.max(...pollMs), samples: pollMs.map(Math.round) }
  }
  const results = {
    date: new Date().toISOString(),
    machine: 'dev box, 2 shared cores',
    topics: paths,
    idle: { ...idle, bytesRatioSseToPoll: idle.sseBytesPerSec / idle.pollBytesPerSec },
    latency: { ...latency, p50RatioSseToPoll: latency.sse.p50Ms / latency.poll1s.p50Ms }
  }
  await writeFile(join(OUT_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n')
  const r1 = (n: number): string => n.toFixed(0)
  await writeFile(join(OUT_DIR, 'results.md'), [
    `# status-events results (${results.date}, ${results.machine})`,
    '',
    `Topics on the page's node: ${paths.join(', ')}. Baseline: a client polling each topic's GET route every ${POLL_MS} ms.`,
    '',
    '| measure | event stream (SSE) | polling baseline | ratio SSE / poll |',
    '|---|---|---|---|',
    `| bytes/s to one idle page (${idle.seconds} s) | ${r1(idle.sseBytesPerSec)} | ${r1(idle.pollBytesPerSec)} (${idle.pollRequestsPerSec.toFixed(1)} req/s) | ${results.idle.bytesRatioSseToPoll.toFixed(2)} |`,
    `| label change on another node → on the page, p50 (${CHANGES} changes) | ${r1(latency.sse.p50Ms)} ms | ${r1(latency.poll1s.p50Ms)} ms | ${results.latency.p50RatioSseToPoll.toFixed(2)} |`,
    `| same, max | ${r1(latency.sse.maxMs)} ms | ${r1(latency.poll1s.maxMs)} ms | |`,
    ''
  ].join('\n'))
  process.stdout.write(JSON.stringify(results, null, 2) + '\n')
} finally {
  await cluster.destroy()
}
