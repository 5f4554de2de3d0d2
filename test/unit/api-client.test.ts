import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiClient } from '../../node/api-client.js'
import { CliError } from '../../node/cli-kit.js'

/** A local HTTP server answering with `handler`; closed after each test. */
async function serve (handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (b: Buffer) => { body += b.toString('utf8') })
    req.on('end', () => { handler(req, res, body) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

async function failure (p: Promise<unknown>): Promise<CliError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(CliError)
  return err as CliError
}

describe('ApiClient', () => {
  const servers: Server[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections()
      await new Promise(resolve => s.close(resolve))
    }
  })

  it('sends the JSON body and the bearer token, and returns the parsed answer', async () => {
    const seen: Array<{ method?: string, auth?: string, type?: string, body: string }> = []
    const { server, url } = await serve((req, res, body) => {
      seen.push({ method: req.method, auth: req.headers.authorization, type: req.headers['content-type'], body })
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 't1', state: 'resolving' }))
    })
    servers.push(server)
    const answer = await new ApiClient(url, 'tok').request('POST', '/api/v1/images/pull', { ref: 'disk@1' })
    expect(answer).toEqual({ id: 't1', state: 'resolving' })
    expect(seen).toEqual([{ method: 'POST', auth: 'Bearer tok', type: 'application/json', body: '{"ref":"disk@1"}' }])
  })

  it("turns the node's error answer into its code and message", async () => {
    const { server, url } = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'ERR_IMAGE_NOT_FOUND', message: 'no provider of disk@9' } }))
    })
    servers.push(server)
    const err = await failure(new ApiClient(url).get('/api/v1/images/disk'))
    expect(err.message).toBe('ERR_IMAGE_NOT_FOUND: no provider of disk@9')
    expect(err.code).toBe('ERR_IMAGE_NOT_FOUND')
  })

  it('says when an answer is not JSON', async () => {
    const { server, url } = await serve((_req, res) => { res.writeHead(502).end('<html>bad gateway</html>') })
    servers.push(server)
    const err = await failure(new ApiClient(url).get('/x'))
    expect(err.message).toContain('answered HTTP 502 with a body that is not JSON')
  })

  it('says the node did not answer in time, apart from a node that is not there (each with its code)', async () => {
    const { server, url } = await serve(() => { /* never answers */ })
    servers.push(server)
    const slow = await failure(new ApiClient(url, undefined, 200).get('/api/v1/status'))
    expect(slow.message).toBe(`node at ${url} did not answer GET /api/v1/status within 0.2 s`)
    expect(slow.code).toBe('ERR_NODE_TIMEOUT')

    const closed = await serve(() => {})
    await new Promise(resolve => closed.server.close(resolve))
    const gone = await failure(new ApiClient(closed.url).get('/api/v1/status'))
    expect(gone.message).toBe(`node unreachable at ${closed.url} (ECONNREFUSED): is it running?`)
    expect(gone.code).toBe('ERR_NODE_UNREACHABLE')
  })
})
