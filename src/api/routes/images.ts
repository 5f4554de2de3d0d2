import { isAbsolute } from 'node:path'
import type { Route } from '../router.js'
import { HttpError } from '../errors.js'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { isRecord } from '../../config/fields.js'
import { IMAGE_VERSION } from '../../images/constants.js'
import { ImageExistsError } from '../../images/errors.js'
import { parseRef, type ImageService } from '../../images/image-service.js'
import { ImportJobs, MAX_RUNNING_IMPORTS } from '../../images/import/import-jobs.js'

const ADD_FIELDS = ['path', 'name', 'version', 'format']

/**
 * Local images:
 * `GET /api/v1/images` (summaries), `GET /api/v1/images/{ref}` (`name` = newest version, or `name@version`;
 * `?chunks=true` adds the chunk list), `POST /api/v1/images` `{ path, name, version?, format? }` → 202 and an
 * import job, `GET /api/v1/imports` and `/api/v1/imports/{id}` (progress, result or error),
 * `DELETE /api/v1/images/{ref}` (a bare name removes every version). Mutations need the API token.
 */
export function imageRoutes (images: ImageService, jobs = new ImportJobs(images)): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/images',
      handler: async () => ({ json: (await images.list()).map(m => images.summary(m)) })
    },
    {
      method: 'POST',
      pattern: '/api/v1/images',
      handler: async ({ body }) => {
        if (!isRecord(body)) throw new InvalidInputError('(body)', 'expected a JSON object { "path", "name", "version"?, "format"? }')
        for (const k of Object.keys(body)) if (!ADD_FIELDS.includes(k)) throw new InvalidInputError(k, `unknown field (known: ${ADD_FIELDS.join(', ')})`)
        const { path, name, version, format } = body
        if (typeof path !== 'string' || !isAbsolute(path) || path.length > 4096 || path.includes('\0')) throw new InvalidInputError('path', 'must be an absolute file path on the node')
        if (typeof name !== 'string') throw new InvalidInputError('name', 'is required: a string')
        parseRef(name, 'name')
        if (name.includes('@')) throw new InvalidInputError('name', 'give the version in "version", not in the name')
        if (version !== undefined && (typeof version !== 'string' || !IMAGE_VERSION.test(version))) throw new InvalidInputError('version', `must match ${IMAGE_VERSION.source}`)
        if (format !== undefined && format !== 'raw' && format !== 'qcow2') throw new InvalidInputError('format', 'must be "raw" or "qcow2"')
        if (version !== undefined && await images.find(name, version) !== undefined) throw new ImageExistsError(`image ${name}@${version} already exists`)
        if (jobs.running() >= MAX_RUNNING_IMPORTS) throw new HttpError(429, 'ERR_TOO_MANY_IMPORTS', `${MAX_RUNNING_IMPORTS} imports are already running`)
        const job = jobs.start(path, { name, ...(version !== undefined ? { version } : {}), ...(format !== undefined ? { format } : {}) })
        return { status: 202, json: job }
      }
    },
    {
      method: 'GET',
      pattern: '/api/v1/imports',
      handler: () => ({ json: jobs.list() })
    },
    {
      method: 'GET',
      pattern: '/api/v1/imports/{id}',
      handler: ({ params }) => {
        const job = jobs.get(params.id ?? '')
        if (job === undefined) throw new NotFoundError(`no import ${params.id ?? ''}`, 'ERR_IMPORT_NOT_FOUND')
        return { json: job }
      }
    },
    {
      method: 'GET',
      pattern: '/api/v1/images/{ref}',
      handler: async ({ params, query }) => {
        const m = await images.resolve(params.ref ?? '')
        const withChunks = query.get('chunks') === 'true'
        return {
          json: {
            ...images.summary(m),
            signatureValid: await images.verify(m),
            versions: (await images.list()).filter(x => x.name === m.name).map(x => x.version),
            ...(withChunks ? { chunkList: m.chunks } : {})
          }
        }
      }
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/images/{ref}',
      handler: async ({ params }) => {
        const r = await images.remove(params.ref ?? '')
        return { json: { removed: r.removed.map(m => `${m.name}@${m.version}`), freedChunks: r.gc.removedChunks, freedBytes: r.gc.freedBytes, reclaimedBytes: r.gc.reclaimedBytes } }
      }
    }
  ]
}
