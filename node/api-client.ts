import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load.js'
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
    let res: Response
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token != null ? { authorization: `Bearer ${this.token}` } : {})
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
      throw new CliError(`node unreachable at ${this.baseUrl} (${cause}): is it running?`)
    }
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new CliError(`${this.baseUrl}${path}: answered HTTP ${res.status} with a body that is not JSON`)
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string, message?: string } } | undefined)?.error
      throw new CliError(`${e?.code ?? `HTTP ${res.status}`}: ${e?.message ?? text}`)
    }
    return parsed as T
  }
}
