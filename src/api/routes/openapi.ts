import type { Route, Router } from '../router.js'
import { buildOpenApiDocument } from '../openapi/document.js'

/** `GET /openapi.json`: the OpenAPI document of the routes registered on this node (built on each request). */
export function openApiRoute (router: Router, version: string): Route {
  return {
    method: 'GET',
    pattern: '/openapi.json',
    handler: () => ({ json: buildOpenApiDocument(router.all(), version) })
  }
}
