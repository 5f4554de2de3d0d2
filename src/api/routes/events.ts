import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import type { EventHub, Topic } from '../events.js'
import { HttpError } from '../errors.js'
import type { Route, Router } from '../router.js'

/**
 * Topics of the live stream, each the body of a GET route of this API. A topic exists on a node only when its
 * route does (a bootstrap seed has no VMs; a service not yet built has no route), so the stream and the status
 * page grow with the API.
 */
export const ROUTE_TOPICS: Record<string, string> = {
  status: '/api/v1/status',
  peers: '/api/v1/peers',
  cluster: '/api/v1/cluster',
  vms: '/api/v1/vms',
  images: '/api/v1/images',
  transfers: '/api/v1/transfers',
  migrations: '/api/v1/migrations'
}

/** Most topics one subscriber may name in `?topics=`. */
const MAX_TOPICS_PARAM = 32

/** One topic per ROUTE_TOPICS entry whose GET route is registered: reading it runs that route's handler. */
export function routeTopics (router: Router): Topic[] {
  const topics: Topic[] = []
  for (const [name, path] of Object.entries(ROUTE_TOPICS)) {
    const route = router.all().find(r => r.method === 'GET' && r.pattern === path)
    if (route == null) continue
    // handlers get a request object like any other; this one is never connected
    const req = new IncomingMessage(new Socket())
    topics.push({
      name,
      read: async () => {
        const result = await route.handler({ method: 'GET', path, params: {}, query: new URLSearchParams(), body: undefined, req })
        if (!('json' in result)) throw new HttpError(500, 'ERR_INTERNAL', `route ${path} does not answer JSON`)
        return result.json
      }
    })
  }
  return topics
}

/** `GET /api/v1/events[?topics=a,b]`: server-sent events, a `snapshot` then `change` events; heartbeats as comments. */
export function eventsRoute (hub: EventHub): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/events',
    handler: ({ query }) => {
      const param = query.get('topics')
      let topics: string[] | undefined
      if (param != null) {
        topics = param.split(',').map(t => t.trim()).filter(t => t !== '')
        if (topics.length === 0 || topics.length > MAX_TOPICS_PARAM) throw new HttpError(400, 'ERR_INVALID_INPUT', `topics must name 1 to ${MAX_TOPICS_PARAM} topics, comma-separated`, 'topics')
      }
      hub.admit(topics)
      return { stream: res => { void hub.subscribe(res, topics) } }
    }
  }
}
