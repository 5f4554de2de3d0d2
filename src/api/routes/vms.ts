import type { Route, RouteResult } from '../router.js'
import { HttpError } from '../errors.js'
import { InvalidInputError } from '../../errors.js'
import { isRecord } from '../../config/fields.js'
import { HypervisorError, InsufficientResourcesError } from '../../vms/errors.js'
import { parseCreateVm } from '../../vms/spec.js'
import type { VmService } from '../../vms/vm-service.js'

/** Host-resource refusals are 409 (the request conflicts with what this host has left); libvirt failures 502. */
function mapError (err: unknown): unknown {
  if (err instanceof InsufficientResourcesError) return new HttpError(409, err.code, err.message, err.resource === 'gpus' ? 'gpus' : err.resource)
  if (err instanceof HypervisorError) return new HttpError(502, err.code, err.message)
  return err
}

async function guarded (fn: () => Promise<RouteResult>): Promise<RouteResult> {
  try {
    return await fn()
  } catch (err) {
    throw mapError(err)
  }
}

function readForce (body: unknown): boolean {
  if (body === undefined) return false
  if (!isRecord(body)) throw new InvalidInputError('(body)', 'must be a JSON object')
  for (const k of Object.keys(body)) if (k !== 'force') throw new InvalidInputError(k, 'unknown field (known: force)')
  if (body.force !== undefined && typeof body.force !== 'boolean') throw new InvalidInputError('force', 'must be true or false')
  return body.force === true
}

/**
 * `GET/POST /api/v1/vms`, `GET/DELETE /api/v1/vms/{name}`, `POST /api/v1/vms/{name}/start|stop`.
 * Mutations need the API token (the server enforces it for every non-GET route).
 */
export function vmRoutes (vms: VmService): Route[] {
  return [
    { method: 'GET', pattern: '/api/v1/vms', handler: async () => await guarded(async () => ({ json: await vms.list() })) },
    {
      method: 'POST',
      pattern: '/api/v1/vms',
      handler: async ({ body }) => await guarded(async () => ({ status: 201, json: await vms.create(parseCreateVm(body)) }))
    },
    { method: 'GET', pattern: '/api/v1/vms/{name}', handler: async ({ params }) => await guarded(async () => ({ json: await vms.show(params.name ?? '') })) },
    {
      method: 'DELETE',
      pattern: '/api/v1/vms/{name}',
      handler: async ({ params }) => await guarded(async () => {
        await vms.deleteVm(params.name ?? '')
        return { json: { deleted: params.name } }
      })
    },
    {
      method: 'POST',
      pattern: '/api/v1/vms/{name}/start',
      handler: async ({ params }) => await guarded(async () => ({ json: await vms.startVm(params.name ?? '') }))
    },
    {
      method: 'POST',
      pattern: '/api/v1/vms/{name}/stop',
      handler: async ({ params, body }) => await guarded(async () => {
        const force = readForce(body)
        return { json: await vms.stopVm(params.name ?? '', { force }) }
      })
    }
  ]
}
