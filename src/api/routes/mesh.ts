import type { Route } from '../router.js'
import type { Mesh, NodeRole } from '../../mesh/mesh.js'

export interface NodeFacts {
  role: NodeRole
  site: string
  region?: string
  zone?: string
  labels: Record<string, string>
  version: string
  startedAt: number
}

export interface StatusBody {
  peerId: string
  role: NodeRole
  site: string
  region?: string
  zone?: string
  labels: Record<string, string>
  addresses: string[]
  connections: number
  knownPeers: number
  uptimeSeconds: number
  version: string
  health: 'ok' | 'isolated'
}

/** Status of this node and its mesh: `GET /api/v1/status`, `GET /api/v1/peers`, `GET /api/v1/peers/{peerId}/find`. */
export function meshRoutes (mesh: Mesh, facts: NodeFacts): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/status',
      handler: async () => {
        const peers = await mesh.peers()
        const connections = mesh.connectionCount()
        const body: StatusBody = {
          peerId: mesh.peerId.toString(),
          role: facts.role,
          site: facts.site,
          region: facts.region,
          zone: facts.zone,
          labels: facts.labels,
          addresses: mesh.addresses(),
          connections,
          knownPeers: peers.length,
          uptimeSeconds: Math.round((Date.now() - facts.startedAt) / 1000),
          version: facts.version,
          health: connections > 0 ? 'ok' : 'isolated'
        }
        return { json: body }
      }
    },
    {
      method: 'GET',
      pattern: '/api/v1/peers',
      handler: async () => ({ json: await mesh.peers() })
    },
    {
      method: 'GET',
      pattern: '/api/v1/peers/{peerId}/find',
      handler: async ({ params }) => ({ json: await mesh.findPeer(params.peerId ?? '') })
    }
  ]
}
