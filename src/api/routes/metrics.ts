import type { Registry } from 'prom-client'
import type { Route } from '../router.js'

/** `GET /metrics`: Prometheus text format (process, libp2p and NovaCron metrics of this node). */
export function metricsRoute (registry: Registry): Route {
  return {
    method: 'GET',
    pattern: '/metrics',
    handler: async () => ({ text: await registry.metrics(), contentType: registry.contentType })
  }
}
