import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NovacronNode } from '../../node/novacron-node.js'
import { initDataDir } from '../../src/config/init-data-dir.js'
import { writeNewSecret } from '../../src/secret/cluster-secret.js'
import { readApiToken } from '../../src/api/token.js'
import { ROUTE_TOPICS } from '../../src/api/routes/events.js'
import type { Route } from '../../src/api/router.js'
import type { Operation, Parameter } from '../../src/api/openapi/common.js'
import { checkSchemaKeywords, validate, type Schema } from './schema-validator.js'

interface Doc { openapi: string, paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, Schema> } }

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

let root: string
let node: NovacronNode
let base: string
let token: string
let doc: Doc

/** A log sink: the node's JSON lines are not needed here. */
const sink = new Writable({ write (_chunk, _enc, cb) { cb() } })

async function openNode (role: 'node' | 'bootstrap'): Promise<void> {
  root = await mkdtemp(join(tmpdir(), 'novacron-contract-'))
  const secretFile = join(root, 'cluster.secret')
  await writeNewSecret(secretFile)
  const dataDir = join(root, 'node')
  await initDataDir({ dataDir, secretFile, listen: ['/ip4/127.0.0.1/tcp/0'], api: { host: '127.0.0.1', port: 0 }, site: 'contract' })
  node = await NovacronNode.open({ dataDir, role, out: sink, connector: { enabled: false } })
  await node.start()
  base = node.apiUrl
  token = await readApiToken(dataDir)
  const res = await fetch(`${base}/openapi.json`)
  expect(res.status).toBe(200)
  doc = await res.json() as Doc
}

async function closeNode (): Promise<void> {
  await node?.stop()
  if (root != null) await rm(root, { recursive: true, force: true })
}

function operationOf (route: Route): Operation | undefined {
  return doc.paths[route.pattern]?.[route.method.toLowerCase()]
}

function needsToken (route: Route): boolean {
  return route.auth ?? route.method !== 'GET'
}

/** The URL of a request to `route` with each parameter's good example, or `bad` substituted for one of them. */
function urlFor (route: Route, op: Operation, bad?: Parameter): string {
  let path = route.pattern
  const query = new URLSearchParams()
  for (const p of op.parameters ?? []) {
    const value = p === bad ? p['x-bad-example'] : p.example
    if (value == null) continue
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(value))
    else query.set(p.name, value)
  }
  const qs = query.toString()
  return base + path + (qs === '' ? '' : `?${qs}`)
}

interface Answer { status: number, type: string, body: unknown, text: string }

async function call (method: string, url: string, opts: { token?: string, body?: string, contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (opts.token != null) headers.authorization = `Bearer ${opts.token}`
  if (opts.body != null) headers['content-type'] = opts.contentType ?? 'application/json'
  const ctrl = new AbortController()
  const res = await fetch(url, { method, headers, body: opts.body, signal: AbortSignal.any([ctrl.signal, AbortSignal.timeout(20_000)]) })
  const type = res.headers.get('content-type') ?? ''
  if (type.startsWith('text/event-stream')) {
    // read up to the first complete event, then hang up
    const reader = res.body!.getReader()
    let text = ''
    for (let i = 0; i < 1000 && !text.includes('\n\n'); i++) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    ctrl.abort()
    return { status: res.status, type, body: undefined, text }
  }
  const text = await res.text()
  let body: unknown
  if (type.startsWith('application/json')) body = JSON.parse(text)
  return { status: res.status, type, body, text }
}

/** The answer's status is documented for the operation and its body matches the documented schema. */
function expectDocumented (what: string, op: Operation, a: Answer): void {
  const documented = op.responses[String(a.status)]
  expect(documented, `${what}: HTTP ${a.status} is not documented (${a.text.slice(0, 200)})`).toBeDefined()
  const mediaTypes = Object.keys(documented?.content ?? {})
  const media = mediaTypes.find(m => a.type.startsWith(m))
  expect(media, `${what}: content-type ${a.type} not among ${mediaTypes.join(', ')}`).toBeDefined()
  const schema = documented?.content?.[media ?? '']?.schema as Schema
  if (media === 'application/json') {
    expect(validate(schema, a.body, doc as unknown as Schema), `${what}: body does not match the document`).toEqual([])
  } else if (media === 'text/event-stream') {
    const event = /event: (\w+)\ndata: (.*)\n/.exec(a.text)
    expect(event, `${what}: no event in ${a.text.slice(0, 200)}`).not.toBeNull()
    const eventSchema = op['x-events']?.[event?.[1] ?? '']
    expect(eventSchema, `${what}: event ${event?.[1]} not documented`).toBeDefined()
    const payload = JSON.parse(event?.[2] ?? 'null') as { topics?: Record<string, { data?: unknown }> }
    expect(validate(eventSchema as Schema, payload, doc as unknown as Schema), `${what}: event data`).toEqual([])
    // each topic of a snapshot carries the body of its route: it must match that route's documented 200 schema
    for (const [topic, value] of Object.entries(payload.topics ?? {})) {
      const path = ROUTE_TOPICS[topic]
      const routeSchema = path != null ? doc.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema : undefined
      expect(routeSchema, `${what}: topic ${topic} has no documented route`).toBeDefined()
      expect(value.data, `${what}: topic ${topic} failed: ${JSON.stringify(value)}`).toBeDefined()
      expect(validate(routeSchema as Schema, value.data, doc as unknown as Schema), `${what}: topic ${topic}`).toEqual([])
    }
  } else {
    expect(a.text.length, `${what}: empty ${media} body`).toBeGreaterThan(0)
  }
}

/** A refused request: 4xx, documented, in the shared error shape. */
function expectError (what: string, op: Operation, a: Answer, status?: number): void {
  if (status != null) expect(a.status, `${what}: ${a.text.slice(0, 200)}`).toBe(status)
  expect(a.status, `${what}: expected a 4xx, got ${a.status} ${a.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
  expect(a.status).toBeLessThan(500)
  expect(validate({ $ref: '#/components/schemas/Error' }, a.body, doc as unknown as Schema), `${what}: error shape`).toEqual([])
  expectDocumented(what, op, a)
}

// a bootstrap seed serves fewer routes (no images, no VMs): its document must describe exactly those
describe.each(['node', 'bootstrap'] as const)('OpenAPI contract of a real %s', (role) => {
  beforeAll(async () => { await openNode(role) })
  afterAll(closeNode)

  it('is an OpenAPI 3.1 document whose schemas use only keywords the validator checks', () => {
    expect(doc.openapi).toMatch(/^3\.1\./)
    for (const [name, s] of Object.entries(doc.components.schemas)) checkSchemaKeywords(s, doc as unknown as Schema, name)
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const r of Object.values(op.responses)) for (const c of Object.values(r.content ?? {})) checkSchemaKeywords(c.schema, doc as unknown as Schema, `${method} ${path}`)
        for (const c of Object.values(op.requestBody?.content ?? {})) checkSchemaKeywords(c.schema, doc as unknown as Schema, `${method} ${path} body`)
      }
    }
  })

  it('documents every registered route, and documents no route the node lacks', () => {
    const routes = node.components.api.routes()
    const missing = routes.filter(r => operationOf(r) == null).map(r => `${r.method} ${r.pattern}`)
    expect(missing, 'routes registered on the ApiServer without an OpenAPI entry').toEqual([])
    const registered = new Set(routes.map(r => `${r.method} ${r.pattern}`))
    const extra = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map(m => `${m.toUpperCase()} ${p}`)).filter(k => !registered.has(k))
    expect(extra).toEqual([])
    expect(routes.length).toBeGreaterThanOrEqual(7)
  })

  it('answers every route\'s good request as documented', async () => {
    for (const route of node.components.api.routes()) {
      const op = operationOf(route)
      if (op == null) continue
      const what = `${route.method} ${route.pattern}`
      const body = op.requestBody?.content['application/json']?.example
      const a = await call(route.method, urlFor(route, op), { token: needsToken(route) ? token : undefined, body: body !== undefined ? JSON.stringify(body) : undefined })
      expectDocumented(what, op, a)
    }
  })

  it('refuses every route\'s bad requests with the shared error shape', async () => {
    for (const route of node.components.api.routes()) {
      const op = operationOf(route)
      if (op == null) continue
      const what = `${route.method} ${route.pattern}`
      const auth = needsToken(route) ? token : undefined
      for (const p of op.parameters ?? []) {
        if (p.in === 'path') expect(p['x-bad-example'], `${what}: path parameter ${p.name} needs x-bad-example`).toBeDefined()
        if (p['x-bad-example'] == null) continue
        expectError(`${what} with bad ${p.name}`, op, await call(route.method, urlFor(route, op, p), { token: auth }))
      }
      const media = op.requestBody?.content['application/json']
      if (media != null) {
        expect(media['x-bad-example'], `${what}: request body needs x-bad-example`).toBeDefined()
        expectError(`${what} with a schema-invalid body`, op, await call(route.method, urlFor(route, op), { token: auth, body: JSON.stringify(media['x-bad-example']) }), 400)
        expectError(`${what} with malformed JSON`, op, await call(route.method, urlFor(route, op), { token: auth, body: '{"broken' }), 400)
        expectError(`${what} with a non-JSON body`, op, await call(route.method, urlFor(route, op), { token: auth, body: 'x=1', contentType: 'application/x-www-form-urlencoded' }), 415)
      }
      if (needsToken(route)) {
        expectError(`${what} without token`, op, await call(route.method, urlFor(route, op)), 401)
        expectError(`${what} with a wrong token`, op, await call(route.method, urlFor(route, op), { token: 'x'.repeat(token.length) }), 403)
      }
      // a method no route serves on this concrete path (patterns overlap: /images/pull is also /images/{ref})
      const url = urlFor(route, op)
      const other = METHODS.find(m => node.components.api.router.match(m, new URL(url).pathname) === 'wrong-method')
      if (other != null) expectError(`${what} with method ${other}`, op, await call(other, url, { token }), 405)
    }
  })

  it('answers an unknown path with the shared error shape', async () => {
    const a = await call('GET', `${base}/api/v1/no-such-thing`)
    expect(a.status).toBe(404)
    expect(validate({ $ref: '#/components/schemas/Error' }, a.body, doc as unknown as Schema)).toEqual([])
  })
})
