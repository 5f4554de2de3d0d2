import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Startable } from '@libp2p/interface'
import { HttpError, errorBody, toHttpError } from './errors.js'
import { Router, type Method, type Route } from './router.js'
import type { Logger } from '../logging/logger.js'
import { silentLogger } from '../logging/logger.js'

/** Largest request body the API reads. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** Largest request head (request line + headers). */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024
/** A request must arrive whole within this time. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000

export interface ApiServerInit {
  host: string
  port: number
  /** Token that mutating requests must carry as `Authorization: Bearer <token>`. */
  token: string
  logger?: Logger
  maxBodyBytes?: number
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** The node's local HTTP API: JSON under /api/v1, plus whatever text routes services register. */
export class ApiServer implements Startable {
  readonly router = new Router()
  private readonly server: Server
  private readonly host: string
  private readonly port: number
  private readonly token: Buffer
  private readonly log: Logger
  private readonly maxBodyBytes: number

  constructor ({ host, port, token, logger = silentLogger, maxBodyBytes = DEFAULT_MAX_BODY_BYTES }: ApiServerInit) {
    this.host = host
    this.port = port
    this.token = Buffer.from(token)
    this.log = logger
    this.maxBodyBytes = maxBodyBytes
    this.server = createServer({
      maxHeaderSize: DEFAULT_MAX_HEADER_BYTES,
      requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
      headersTimeout: DEFAULT_REQUEST_TIMEOUT_MS
    }, (req, res) => { void this.handle(req, res) })
  }

  route (route: Route): void {
    this.router.add(route)
  }

  routes (): Route[] {
    return this.router.all()
  }

  async start (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    if (!isLoopback(this.host)) {
      this.log.warn('HTTP API is NOT bound to localhost: anyone who can reach this address can read node state; mutations still need the token', { host: this.host, port: this.address().port })
    }
    this.log.info('http api listening', { url: this.url() })
  }

  async stop (): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  address (): AddressInfo {
    return this.server.address() as AddressInfo
  }

  url (): string {
    const a = this.address()
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return `http://${host}:${a.port}`
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const method = req.method ?? 'GET'
      if (!METHODS.has(method)) throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `method ${method} is not supported`)
      const url = new URL(req.url ?? '/', 'http://localhost')
      const found = this.router.match(method, url.pathname)
      if (found === 'not-found') throw new HttpError(404, 'ERR_NO_ROUTE', `no route ${url.pathname}`)
      if (found === 'wrong-method') throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `method ${method} is not allowed on ${url.pathname}`)
      const { route, params } = found
      if (route.auth ?? route.method !== 'GET') this.checkToken(req)
      const body = await this.readBody(req)
      const result = await route.handler({ method: route.method as Method, path: url.pathname, params, query: url.searchParams, body, req })
      if ('stream' in result) {
        result.stream(res)
        return
      }
      if ('json' in result) {
        send(res, result.status ?? 200, 'application/json; charset=utf-8', JSON.stringify(result.json), method === 'HEAD')
      } else {
        send(res, result.status ?? 200, result.contentType, result.text, method === 'HEAD')
      }
    } catch (err) {
      const httpErr = toHttpError(err)
      if (httpErr.status >= 500) this.log.error('request failed', { url: req.url, err })
      if (res.headersSent) {
        res.destroy()
        return
      }
      send(res, httpErr.status, 'application/json; charset=utf-8', JSON.stringify(errorBody(httpErr)), req.method === 'HEAD')
      // a client sending an oversized body is not read further
      if (httpErr.code === 'ERR_BODY_TOO_LARGE') req.destroy()
    }
  }

  private checkToken (req: IncomingMessage): void {
    const header = req.headers.authorization ?? ''
    const m = /^Bearer (\S+)$/.exec(header)
    if (m == null) throw new HttpError(401, 'ERR_UNAUTHORIZED', 'this request needs the API token (Authorization: Bearer <token from the data dir>)')
    const given = Buffer.from(m[1] ?? '')
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw new HttpError(403, 'ERR_FORBIDDEN', 'wrong API token')
    }
  }

  private async readBody (req: IncomingMessage): Promise<unknown> {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > this.maxBodyBytes) throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `request body over ${this.maxBodyBytes} bytes`)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > this.maxBodyBytes) throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `request body over ${this.maxBodyBytes} bytes`)
      chunks.push(chunk as Buffer)
    }
    if (size === 0) return undefined
    const type = req.headers['content-type'] ?? ''
    if (!/^application\/json\b/.test(type)) throw new HttpError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json')
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch (err) {
      throw new HttpError(400, 'ERR_BAD_JSON', `request body is not valid JSON (${(err as Error).message})`)
    }
  }
}

function send (res: ServerResponse, status: number, type: string, body: string | Uint8Array, headOnly: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(headOnly ? undefined : body)
}

export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
