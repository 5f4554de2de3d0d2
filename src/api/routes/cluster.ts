import type { Route } from '../router.js'
import { InvalidInputError } from '../../errors.js'
import { NAME, isRecord } from '../../config/fields.js'
import type { MembershipService } from '../../membership/membership-service.js'
import type { LabelChange } from '../../membership/labels.js'

/**
 * The cluster view and runtime labels: `GET /api/v1/cluster[?site=NAME]` (every member with liveness, labels,
 * resources, VMs and record age; totals per site) and `PUT /api/v1/labels` (`{"set":{K:V},"remove":[K]}`).
 */
export function clusterRoutes (membership: MembershipService): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/cluster',
      handler: ({ query }) => {
        const site = query.get('site') ?? undefined
        if (site != null && !NAME.test(site)) throw new InvalidInputError('site', `"${site}" is not a site name (${NAME})`)
        return { json: membership.snapshot(site) }
      }
    },
    {
      method: 'PUT',
      pattern: '/api/v1/labels',
      handler: async ({ body }) => ({ json: { labels: await membership.changeLabels(parseLabelChange(body)) } })
    }
  ]
}

function parseLabelChange (body: unknown): LabelChange {
  if (!isRecord(body)) throw new InvalidInputError('(body)', 'must be a JSON object {"set":{...},"remove":[...]}')
  for (const k of Object.keys(body)) if (k !== 'set' && k !== 'remove') throw new InvalidInputError(k, 'unknown field (known: set, remove)')
  const change: LabelChange = {}
  if (body.set !== undefined) {
    if (!isRecord(body.set)) throw new InvalidInputError('set', 'must be an object of string labels')
    change.set = body.set as Record<string, string>
  }
  if (body.remove !== undefined) {
    if (!Array.isArray(body.remove) || body.remove.some(k => typeof k !== 'string')) throw new InvalidInputError('remove', 'must be an array of label keys')
    change.remove = body.remove as string[]
  }
  return change
}
