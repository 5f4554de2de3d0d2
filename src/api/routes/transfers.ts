import { isAbsolute } from 'node:path'
import type { Route } from '../router.js'
import { InvalidInputError } from '../../errors.js'
import type { TransferProgress } from '../../images/swarm/transfer-progress.js'
import type { PullJob } from '../../images/swarm/pull-job.js'
import type { PullOptions } from '../../images/swarm/swarm-service.js'

/** What these routes need of the swarm service. */
export interface TransferApi {
  pull(ref: string, opts?: PullOptions): PullJob
  job(id: string): PullJob
  transfers(): TransferProgress[]
}

/**
 * Image transfers: `GET /api/v1/transfers` (progress of every pull: bytes, rate, ETA, peers),
 * `GET /api/v1/transfers/{id}`, `POST /api/v1/images/pull` `{ "ref": "NAME[@VERSION]", "out"?: "/abs/path" }` → 202.
 */
export function transferRoutes (swarm: TransferApi): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/transfers',
      handler: () => ({ json: swarm.transfers() })
    },
    {
      method: 'GET',
      pattern: '/api/v1/transfers/{id}',
      handler: ({ params }) => ({ json: swarm.job(params.id ?? '').progress() })
    },
    {
      method: 'POST',
      pattern: '/api/v1/images/pull',
      handler: ({ body }) => {
        if (body == null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidInputError('body', 'expected a JSON object { "ref": "NAME[@VERSION]" }')
        const { ref, out, ...rest } = body as Record<string, unknown>
        const unknown = Object.keys(rest)[0]
        if (unknown != null) throw new InvalidInputError(unknown, `unknown field "${unknown}"`)
        if (typeof ref !== 'string') throw new InvalidInputError('ref', 'must be a string NAME[@VERSION]')
        if (out !== undefined && (typeof out !== 'string' || !isAbsolute(out) || out.length > 4096)) throw new InvalidInputError('out', 'must be an absolute file path')
        const job = swarm.pull(ref, out !== undefined ? { out } : {})
        return { status: 202, json: job.progress() }
      }
    }
  ]
}
