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

/** Longest wait a `GET /api/v1/transfers/{id}?waitMs=` may ask for. */
export const MAX_TRANSFER_WAIT_MS = 10_000

function waitMs (value: string | null): number {
  if (value === null) return 0
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > MAX_TRANSFER_WAIT_MS) throw new InvalidInputError('waitMs', `must be a whole number of milliseconds from 0 to ${MAX_TRANSFER_WAIT_MS}`)
  return n
}

/**
 * Image transfers: `GET /api/v1/transfers` (progress of every pull: bytes, rate, ETA, peers),
 * `GET /api/v1/transfers/{id}[?waitMs=N]` (with waitMs: answered when the transfer ends or after N ms), `POST /api/v1/images/pull` `{ "ref": "NAME[@VERSION]", "out"?: "/abs/path" }` → 202.
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
      handler: async ({ params, query }) => {
        const wait = waitMs(query.get('waitMs'))
        const job = swarm.job(params.id ?? '')
        // a long poll: answered as soon as the job ends, or after `waitMs` with its progress then
        // (the timer does not hold a stopping node up)
        if (wait > 0 && !job.finished) await Promise.race([job.done.catch(() => {}), new Promise(resolve => { setTimeout(resolve, wait).unref() })])
        return { json: job.progress() }
      }
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
