import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiServer } from '../../src/api/server.js'
import { InvalidInputError } from '../../src/errors.js'

const TOKEN = 'test-token-0123456789abcdef'

/** Send raw bytes and read the whole reply (for requests fetch refuses to make). */
async function raw (port: number, data: string | Buffer): Promise<string> {
  return await new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => { sock.end(data) })
    let out = ''
    sock.on('data', d => { out += d.toString() })
    sock.on('end', () => { resolve(out) })
    sock.on('close', () => { resolve(out) })
    sock.on('error', reject)
    sock.setTimeout(5000, () => { sock.destroy(); resolve(out) })
  })
}

describe('HTTP API server', () => {
  const server = new ApiServer({ host: '127.0.0.1', port: 0, token: TOKEN })
  const created: unknown[] = []
  let base: string

  beforeAll(async () => {
    server.route({ method: 'GET', pattern: '/api/v1/things/{name}', handler: ({ params }) => ({ json: { name: params.name } }) })
    server.route({
      method: 'POST',
      pattern: '/api/v1/things',
      handler: ({ body }) => {
        const name = (body as { name?: unknown } | undefined)?.name
        if (typeof name !== 'string') throw new InvalidInputError('name', 'name must be a string')
        created.push(body)
        return { status: 201, json: { name } }
      }
    })
    await server.start()
    base = server.url()
  })
  afterAll(async () => { await server.stop() })

  async function errorOf (res: Response): Promise<{ status: number, code: string, field?: string }> {
    const body = await res.json() as { error: { code: string, message: string, field?: string } }
    expect(typeof body.error.message).toBe('string')
    return { status: res.status, code: body.error.code, field: body.error.field }
  }

  it('routes with parameters', async () => {
    expect(await (await fetch(`${base}/api/v1/things/a%20b`)).json()).toEqual({ name: 'a b' })
  })

  it('answers unknown paths with 404 and wrong methods with 405, in the shared error shape', async () => {
    expect(await errorOf(await fetch(`${base}/api/v1/nope`))).toMatchObject({ status: 404, code: 'ERR_NO_ROUTE' })
    expect(await errorOf(await fetch(`${base}/api/v1/things/x`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } }))).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' })
  })

  it('requires the token for mutations and changes nothing without it', async () => {
    const body = JSON.stringify({ name: 'x' })
    const headers = { 'content-type': 'application/json' }
    expect(await errorOf(await fetch(`${base}/api/v1/things`, { method: 'POST', headers, body }))).toMatchObject({ status: 401, code: 'ERR_UNAUTHORIZED' })
    expect(await errorOf(await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong-token-wrong-token' }, body }))).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN' })
    expect(created).toHaveLength(0)
    const ok = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${TOKEN}` }, body })
    expect(ok.status).toBe(201)
    expect(created).toHaveLength(1)
  })

  it('rejects garbage JSON, wrong content types and invalid fields with 4xx', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    expect(await errorOf(await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": ' }))).toMatchObject({ status: 400, code: 'ERR_BAD_JSON' })
    expect(await errorOf(await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'name=x' }))).toMatchObject({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' })
    expect(await errorOf(await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": 5}' }))).toMatchObject({ status: 400, code: 'ERR_INVALID_INPUT', field: 'name' })
    expect(created).toHaveLength(1)
  })

  it('refuses oversized bodies (declared or streamed) with 413', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024)
    const res = await fetch(`${base}/api/v1/things`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: big }) }).catch(() => undefined)
    if (res != null) expect(await errorOf(res)).toMatchObject({ status: 413, code: 'ERR_BODY_TOO_LARGE' })
    const chunked = await raw(server.address().port, `POST /api/v1/things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n200000\r\n${'y'.repeat(0x200000)}\r\n0\r\n\r\n`)
    expect(chunked).toMatch(/^HTTP\/1\.1 413/)
    expect(created).toHaveLength(1)
  })

  it('refuses oversized headers and malformed request lines without crashing', async () => {
    const port = server.address().port
    expect(await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/)
    expect(await raw(port, 'BLAH\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/)
    expect(await raw(port, Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]))).toMatch(/^HTTP\/1\.1 400/)
    expect(await errorOf(await fetch(`${base}/api/v1/things/ok`, { method: 'PATCH' }))).toMatchObject({ status: 405 })
    // still serving
    expect((await fetch(`${base}/api/v1/things/alive`)).status).toBe(200)
  })
})
