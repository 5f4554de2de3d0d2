import type { IncomingMessage } from 'node:http'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestContext {
  method: Method
  path: string
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body (undefined for bodiless requests). */
  body: unknown
  req: IncomingMessage
}

/** A JSON response, or raw text (metrics, HTML), or a stream the handler writes itself (events). */
export type RouteResult =
  | { status?: number, json: unknown }
  | { status?: number, text: string | Uint8Array, contentType: string }
  | { stream: (res: import('node:http').ServerResponse) => void }

export type Handler = (ctx: RequestContext) => Promise<RouteResult> | RouteResult

export interface Route {
  method: Method
  /** Path pattern with `{param}` segments, e.g. `/api/v1/vms/{name}`. */
  pattern: string
  handler: Handler
  /** Mutations need the API token; reads do not. @default method !== 'GET' */
  auth?: boolean
}

interface Compiled extends Route { regex: RegExp, names: string[] }

/** Matches a method and path to a route; tells 404 (no such path) from 405 (wrong method). */
export class Router {
  private readonly routes: Compiled[] = []

  add (route: Route): void {
    const names: string[] = []
    const source = route.pattern.split('/').map(seg => {
      const m = /^\{([a-zA-Z]+)\}$/.exec(seg)
      if (m == null) return seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      names.push(m[1] ?? '')
      return '([^/]+)'
    }).join('/')
    this.routes.push({ ...route, regex: new RegExp(`^${source}$`), names })
  }

  all (): Route[] {
    return this.routes.map(({ method, pattern, handler, auth }) => ({ method, pattern, handler, auth }))
  }

  match (method: string, path: string): { route: Route, params: Record<string, string> } | 'not-found' | 'wrong-method' {
    let pathMatched = false
    for (const r of this.routes) {
      const m = r.regex.exec(path)
      if (m == null) continue
      pathMatched = true
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue
      const params: Record<string, string> = {}
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1] ?? '') })
      return { route: r, params }
    }
    return pathMatched ? 'wrong-method' : 'not-found'
  }
}
