import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readApiToken } from '../src/api/token.js'
import { CliError, str, type Io, type Options, type ParsedArgs } from './cli-kit.js'

export const DEFAULT_DATA_DIR = '/var/lib/novacron'

/** Options every client command takes. */
export const CLIENT_OPTIONS: Options = {
  'data-dir': { type: 'string' },
  api: { type: 'string' },
  json: { type: 'boolean' }
}

export function dataDirOf (args: ParsedArgs, io: Io): string {
  return str(args, 'data-dir') ?? io.env.NOVACRON_DATA_DIR ?? DEFAULT_DATA_DIR
}

/** A thin HTTP client of a node's API. */
export class ApiClient {
  constructor (readonly baseUrl: string, private readonly token?: string, private readonly timeoutMs = 30_000) {}

  /**
   * From `--api URL`, else the data dir's api.url (written at start) or its config. With `--api`, the token is read
   * only from a data dir named by flag or environment, never sent to another URL from the default one.
   * `timeoutMs` is for requests that legitimately run long (VM create materialises GiBs; a graceful stop waits).
   */
  static async fromArgs (args: ParsedArgs, io: Io, { timeoutMs }: { timeoutMs?: number } = {}): Promise<ApiClient> {
    const api = str(args, 'api')
    const dataDir = str(args, 'data-dir') ?? io.env.NOVACRON_DATA_DIR
    let token = io.env.NOVACRON_TOKEN
    if (api != null) {
      let url: URL
      try {
        url = new URL(api)
      } catch {
        throw new CliError(`--api: "${api}" is not a URL (e.g. http://127.0.0.1:7600)`, 2)
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--api: "${api}" must be an http(s) URL`, 2)
      if (token == null && dataDir != null) token = await readApiToken(dataDir).catch(() => undefined)
      return new ApiClient(url.toString().replace(/\/$/, ''), token, timeoutMs)
    }
    const dir = dataDir ?? DEFAULT_DATA_DIR
    let base: string
    try {
      base = (await readFile(join(dir, 'api.url'), 'utf8')).trim()
    } catch {
      // the config (and its validators) is loaded only when the node has not written api.url
      const { loadConfig } = await import('../src/config/load.js')
      const config = await loadConfig(dir)
      const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host
      base = `http://${host}:${config.api.port}`
    }
    token ??= await readApiToken(dir).catch(() => undefined)
    return new ApiClient(base, token, timeoutMs)
  }

  async get<T> (path: string): Promise<T> {
    return await this.request<T>('GET', path)
  }

  async request<T> (method: string, path: string, body?: unknown): Promise<T> {
    let res: { status: number, text: string }
    try {
      res = await this.send(method, path, body !== undefined ? JSON.stringify(body) : undefined)
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw new CliError(`node at ${this.baseUrl} did not answer ${method} ${path} within ${this.timeoutMs / 1000} s`, 1, 'ERR_NODE_TIMEOUT')
      const cause = (err as { code?: string }).code ?? (err as Error).name
      throw new CliError(`node unreachable at ${this.baseUrl} (${cause}): is it running?`, 1, 'ERR_NODE_UNREACHABLE')
    }
    const { status, text } = res
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new CliError(`${this.baseUrl}${path}: answered HTTP ${status} with a body that is not JSON`)
    }
    if (status < 200 || status > 299) {
      const e = (parsed as { error?: { code?: string, message?: string } } | undefined)?.error
      throw new CliError(`${e?.code ?? `HTTP ${status}`}: ${e?.message ?? text}`, 1, e?.code)
    }
    return parsed as T
  }

  /**
   * One request with node:http(s), not fetch: fetch loads undici on first use, ~0.06-0.1 s of CPU, a third of a client
   * command's start (eight `image pull`s started at once on a 2-core host, as in a fan-out, would pay it eight times).
   */
  private async send (method: string, path: string, body?: string): Promise<{ status: number, text: string }> {
    const url = new URL(this.baseUrl + path)
    const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http')
    return await new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          ...(this.token != null ? { authorization: `Bearer ${this.token}` } : {})
        },
        signal: AbortSignal.timeout(this.timeoutMs)
      }, res => {
        const parts: Buffer[] = []
        res.on('data', (b: Buffer) => { parts.push(b) })
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }) })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  }
}
