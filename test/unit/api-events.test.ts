import { afterEach, describe, expect, it } from 'vitest'
import { ApiServer } from '../../src/api/server.js'
import { EventHub } from '../../src/api/events.js'
import { eventsRoute, routeTopics } from '../../src/api/routes/events.js'

interface Sse { events: Array<{ event: string, data: unknown }>, comments: number, close: () => void, next: (n: number) => Promise<void> }

/** Open an SSE stream and parse its frames as they come. */
async function open (url: string): Promise<Sse> {
  const ctrl = new AbortController()
  const res = await fetch(url, { signal: ctrl.signal })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const reader = res.body!.getReader()
  const sse: Sse = { events: [], comments: 0, close: () => { ctrl.abort() }, next: async () => {} }
  let buf = ''
  const waiters: Array<{ n: number, resolve: () => void }> = []
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buf += new TextDecoder().decode(value)
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i)
          buf = buf.slice(i + 2)
          if (frame.startsWith(':')) sse.comments++
          const ev = /event: (\w+)\ndata: (.*)/.exec(frame)
          if (ev != null) sse.events.push({ event: ev[1]!, data: JSON.parse(ev[2]!) })
          for (const w of waiters.filter(w => sse.events.length + sse.comments >= w.n)) w.resolve()
        }
      }
    } catch { /* the test closed the stream */ }
  })()
  sse.next = async (n: number) => {
    if (sse.events.length + sse.comments >= n) return
    await new Promise<void>((resolve, reject) => {
      waiters.push({ n, resolve })
      setTimeout(() => { reject(new Error(`no frame ${n} (have ${JSON.stringify(sse.events)})`)) }, 5000)
    })
  }
  return sse
}

describe('live events (SSE) over a real HTTP server', () => {
  let api: ApiServer
  let hub: EventHub
  const streams: Sse[] = []

  afterEach(async () => {
    for (const s of streams.splice(0)) s.close()
    await api?.stop()
    await hub?.stop()
  })

  async function setup (init: ConstructorParameters<typeof EventHub>[0], counter: { n: number }): Promise<string> {
    api = new ApiServer({ host: '127.0.0.1', port: 0, token: 't'.repeat(32) })
    api.route({ method: 'GET', pattern: '/api/v1/peers', handler: () => ({ json: [{ n: counter.n }] }) })
    hub = new EventHub({ pollIntervalMs: 60_000, ...init, discover: () => routeTopics(api.router) })
    hub.addTopic({ name: 'fails', read: async () => { throw Object.assign(new Error('x'), { code: 'ERR_BROKEN' }) } })
    api.route(eventsRoute(hub))
    await hub.start()
    await api.start()
    return api.url() + '/api/v1/events'
  }

  it('sends a snapshot of route-backed topics, then only changes, after notify()', async () => {
    const counter = { n: 1 }
    const url = await setup({}, counter)
    const s = await open(url)
    streams.push(s)
    await s.next(1)
    expect(s.events[0]).toMatchObject({ event: 'snapshot', data: { topics: { peers: { data: [{ n: 1 }] }, fails: { error: { code: 'ERR_BROKEN' } } } } })
    expect(Object.keys((s.events[0]!.data as { topics: object }).topics).sort()).toEqual(['fails', 'peers'])
    counter.n = 2
    hub.notify()
    await s.next(2)
    // only what differs from what this subscriber holds: peers changed, the failing topic still fails the same way
    expect(s.events[1]).toMatchObject({ event: 'change', data: { topic: 'peers', data: [{ n: 2 }] } })
    // nothing changed: a second notify sends nothing new
    hub.notify()
    counter.n = 3
    hub.notify()
    await s.next(3)
    expect(s.events.at(-1)?.data).toMatchObject({ topic: 'peers', data: [{ n: 3 }] })
    expect(s.events.filter(e => e.event === 'change')).toHaveLength(2)
  })

  it('filters by ?topics= and refuses unknown or empty topic lists with the error shape', async () => {
    const url = await setup({}, { n: 1 })
    const s = await open(url + '?topics=peers')
    streams.push(s)
    await s.next(1)
    expect(Object.keys((s.events[0]!.data as { topics: object }).topics)).toEqual(['peers'])
    for (const bad of ['nope', ',', 'peers,nope']) {
      const res = await fetch(`${url}?topics=${bad}`)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: expect.stringMatching(/^ERR_/), field: 'topics' } })
    }
  })

  it('bounds the number of subscribers (503 in the error shape) and frees a slot when one leaves', async () => {
    const url = await setup({ maxSubscribers: 2 }, { n: 1 })
    const a = await open(url)
    const b = await open(url)
    streams.push(a, b)
    await a.next(1)
    await b.next(1)
    const refused = await fetch(url)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ error: { code: 'ERR_EVENTS_UNAVAILABLE' } })
    a.close()
    for (let i = 0; i < 100 && hub.subscriberCount() > 1; i++) await new Promise(resolve => setTimeout(resolve, 20))
    expect(hub.subscriberCount()).toBe(1)
    const c = await open(url)
    streams.push(c)
    await c.next(1)
  })

  it('sends heartbeat comments on an idle stream', async () => {
    const url = await setup({ heartbeatMs: 50 }, { n: 1 })
    const s = await open(url)
    streams.push(s)
    await s.next(3)
    expect(s.comments).toBeGreaterThanOrEqual(2)
  })
})

describe('change deltas', () => {
  it('applyDelta(a, deltaOf(a, b)) rebuilds b for nested objects, arrays that grow and shrink, and type changes', async () => {
    const { applyDelta, deltaOf } = await import('../../src/api/event-delta.js')
    const cases: Array<[unknown, unknown]> = [
      [{ a: 1, b: [1, 2, 3], c: { d: 'x' } }, { a: 2, b: [1, 5], c: { e: null }, f: true }],
      [[{ id: 1, age: 1 }, { id: 2, age: 1 }], [{ id: 1, age: 2 }, { id: 2, age: 2 }, { id: 3 }]],
      [{ a: [1] }, { a: { 0: 1 } }],
      [null, { a: 1 }],
      ['x', 'y']
    ]
    for (const [a, b] of cases) {
      const d = deltaOf(a, b)
      expect(d).toBeDefined()
      expect(applyDelta(structuredClone(a), d!)).toEqual(b)
    }
    expect(deltaOf({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBeUndefined()
  })

  it('sends a small patch when a big topic changes a little, which rebuilds the new value', async () => {
    const { applyDelta } = await import('../../src/api/event-delta.js')
    const api = new ApiServer({ host: '127.0.0.1', port: 0, token: 't'.repeat(32) })
    const hub = new EventHub({ pollIntervalMs: 60_000 })
    const members = Array.from({ length: 50 }, (_, i) => ({ peerId: `peer-${i}`, site: 'edge', ageSeconds: 0 }))
    hub.addTopic({ name: 'cluster', read: async () => ({ members }) })
    api.route(eventsRoute(hub))
    await hub.start()
    await api.start()
    const s = await open(api.url() + '/api/v1/events')
    try {
      await s.next(1)
      let held = (s.events[0]!.data as { topics: { cluster: { data: unknown } } }).topics.cluster.data
      members[7]!.ageSeconds = 1
      hub.notify()
      await s.next(2)
      const change = s.events[1]!.data as { topic: string, patch?: unknown }
      expect(change.patch).toBeDefined()
      expect(JSON.stringify(change.patch).length).toBeLessThan(JSON.stringify(members).length / 10)
      held = applyDelta(held, change.patch as never)
      expect(held).toEqual({ members })
    } finally {
      s.close()
      await api.stop()
      await hub.stop()
    }
  })
})
