import type { Route } from '../router.js'
import { ERROR_SCHEMA, type ApiPart, type Operation } from './common.js'
import { CORE_PART } from './paths/core.js'
import { CLUSTER_PART } from './paths/cluster.js'
import { IMAGES_PART } from './paths/images.js'
import { VMS_PART } from './paths/vms.js'

/** Every documented part of the API. A service's part is added here when its routes land. */
export const API_PARTS: ApiPart[] = [CORE_PART, CLUSTER_PART, IMAGES_PART, VMS_PART]

export interface OpenApiDocument {
  openapi: string
  info: { title: string, version: string, description: string }
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>, securitySchemes: Record<string, unknown> }
}

/** The operation documented for a method and route pattern, if any. */
export function findOperation (parts: ApiPart[], method: string, pattern: string): Operation | undefined {
  for (const part of parts) {
    const op = part.paths[pattern]?.[method.toLowerCase() as 'get']
    if (op != null) return op
  }
  return undefined
}

/**
 * The OpenAPI 3.1 document of the routes this node serves: documented operations whose route is not registered
 * here (a bootstrap seed has no VMs) are left out, so the document describes this node as it is.
 */
export function buildOpenApiDocument (routes: Route[], version: string, parts: ApiPart[] = API_PARTS): OpenApiDocument {
  const paths: Record<string, Record<string, Operation>> = {}
  for (const r of routes) {
    const op = findOperation(parts, r.method, r.pattern)
    if (op == null) continue
    const entry = paths[r.pattern] ?? {}
    entry[r.method.toLowerCase()] = op
    paths[r.pattern] = entry
  }
  const schemas: Record<string, unknown> = { Error: ERROR_SCHEMA }
  for (const p of parts) Object.assign(schemas, p.schemas)
  return {
    openapi: '3.1.0',
    info: {
      title: 'NovaCron Mesh node API',
      version,
      description: 'The local HTTP API of one NovaCron node. Reads are open; every mutation needs `Authorization: Bearer <api.token from the data dir>`. Every error answers `{"error":{"code","message","field?"}}` with a stable code. Binds to 127.0.0.1 by default.'
    },
    paths,
    components: {
      schemas,
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'the token in <data dir>/api.token' } }
    }
  }
}
