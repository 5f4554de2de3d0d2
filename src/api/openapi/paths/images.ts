import { TOKEN_SECURITY, errors, json, mutationErrors, ref, type ApiPart, type Parameter } from '../common.js'

const BYTES = { type: 'number', minimum: 0 }
const COUNT = { type: 'integer', minimum: 0 }
const ERROR_FIELD = { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } }

const REF_PARAM: Parameter = {
  name: 'ref', in: 'path', required: true, schema: { type: 'string' },
  description: '`name` (newest version) or `name@version`', example: 'no-such-image', 'x-bad-example': 'bad name!'
}
const ID_PARAM = (what: string): Parameter => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: `${what} ID`, example: 'no-such-id', 'x-bad-example': 'x'.repeat(300) })

/** Local images (chunk store), their imports, and swarm transfers (pulls). */
export const IMAGES_PART: ApiPart = {
  schemas: {
    ImageSummary: {
      type: 'object',
      required: ['ref', 'name', 'version', 'size', 'chunks'],
      properties: {
        ref: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        size: BYTES,
        chunks: COUNT,
        zeroChunks: COUNT,
        uniqueChunks: COUNT,
        author: { type: 'string' },
        createdAt: { type: 'number' }
      }
    },
    ImportJob: {
      type: 'object',
      required: ['id', 'name', 'path', 'state', 'doneBytes', 'totalBytes'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        path: { type: 'string' },
        state: { type: 'string', enum: ['running', 'done', 'failed'] },
        phase: { type: 'string' },
        doneBytes: BYTES,
        totalBytes: BYTES,
        rateBytesPerSec: BYTES,
        startedAt: { type: 'number' },
        finishedAt: { type: 'number' },
        result: { type: 'object' },
        error: ERROR_FIELD
      }
    },
    Transfer: {
      type: 'object',
      required: ['id', 'ref', 'state', 'totalBytes', 'doneBytes', 'rateBytesPerSec', 'peers'],
      properties: {
        id: { type: 'string' },
        ref: { type: 'string' },
        state: { type: 'string', enum: ['resolving', 'running', 'done', 'failed', 'cancelled'] },
        totalBytes: BYTES,
        doneBytes: BYTES,
        reusedBytes: BYTES,
        wireBytes: BYTES,
        rateBytesPerSec: BYTES,
        etaSeconds: { type: ['number', 'null'] },
        peers: COUNT,
        chunksTotal: COUNT,
        chunksDone: COUNT,
        startedAt: { type: 'number' },
        finishedAt: { type: 'number' },
        banned: { type: 'array', items: { type: 'object', required: ['peer', 'reason'], properties: { peer: { type: 'string' }, reason: { type: 'string' } } } },
        perPeer: { type: 'array', items: { type: 'object', required: ['peer', 'bytes'], properties: { peer: { type: 'string' }, bytes: BYTES, rateBytesPerSec: BYTES, window: COUNT } } },
        out: { type: 'string', description: 'the file this pull writes the disk to (`out` of the pull request, or of the pull a restarted node resumed)' },
        outError: { ...ERROR_FIELD, description: 'why `out` is not written: a pull that a restarted node resumed, whose destination can no longer be written (it went on into the store only)' },
        error: ERROR_FIELD
      }
    }
  },
  paths: {
    '/api/v1/images': {
      get: {
        operationId: 'listImages',
        tags: ['images'],
        summary: 'image versions in this node\'s chunk store',
        responses: { 200: json('summaries', { type: 'array', items: ref('ImageSummary') }), ...errors() }
      },
      post: {
        operationId: 'addImage',
        tags: ['images'],
        summary: 'import a raw or qcow2 disk file on the node as an image version (runs as a job)',
        security: TOKEN_SECURITY,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object', required: ['path', 'name'], additionalProperties: false,
                properties: { path: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' }, format: { type: 'string', enum: ['raw', 'qcow2'] } }
              },
              example: { path: '/nonexistent/contract-disk.raw', name: 'contract-img' },
              'x-bad-example': { path: 'relative/disk.raw', name: 'x' }
            }
          }
        },
        responses: { 202: json('the import job', ref('ImportJob')), ...mutationErrors(409, 429) }
      }
    },
    '/api/v1/images/{ref}': {
      get: {
        operationId: 'showImage',
        tags: ['images'],
        summary: 'one image version; `?chunks=true` adds the chunk list',
        parameters: [REF_PARAM, { name: 'chunks', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } }],
        responses: {
          200: json('the image', { type: 'object', required: ['ref', 'name', 'version', 'size', 'versions'], properties: { versions: { type: 'array', items: { type: 'string' } }, signatureValid: { type: 'boolean' } } }),
          ...errors(400, 404)
        }
      },
      delete: {
        operationId: 'removeImage',
        tags: ['images'],
        summary: 'remove a version (or every version of a bare name) and collect unreferenced chunks',
        security: TOKEN_SECURITY,
        parameters: [REF_PARAM],
        responses: {
          200: json('what was removed', { type: 'object', required: ['removed'], properties: { removed: { type: 'array', items: { type: 'string' } }, freedChunks: COUNT, freedBytes: BYTES, reclaimedBytes: BYTES } }),
          ...mutationErrors(404)
        }
      }
    },
    '/api/v1/imports': {
      get: {
        operationId: 'listImports',
        tags: ['images'],
        summary: 'image import jobs: progress, result or error',
        responses: { 200: json('jobs', { type: 'array', items: ref('ImportJob') }), ...errors() }
      }
    },
    '/api/v1/imports/{id}': {
      get: {
        operationId: 'showImport',
        tags: ['images'],
        summary: 'one import job',
        parameters: [ID_PARAM('import job')],
        responses: { 200: json('the job', ref('ImportJob')), ...errors(400, 404) }
      }
    },
    '/api/v1/transfers': {
      get: {
        operationId: 'listTransfers',
        tags: ['images'],
        summary: 'swarm pulls with progress: bytes, rate, ETA, peers',
        responses: { 200: json('transfers', { type: 'array', items: ref('Transfer') }), ...errors() }
      }
    },
    '/api/v1/transfers/{id}': {
      get: {
        operationId: 'showTransfer',
        tags: ['images'],
        summary: 'one transfer; with waitMs, a long poll answered when it ends or after that many ms',
        parameters: [ID_PARAM('transfer'), { name: 'waitMs', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 10000 }, description: 'wait up to this long for the transfer to end before answering', example: '0', 'x-bad-example': '20000' }],
        responses: { 200: json('the transfer', ref('Transfer')), ...errors(400, 404) }
      }
    },
    '/api/v1/images/pull': {
      post: {
        operationId: 'pullImage',
        tags: ['images'],
        summary: 'pull an image from every peer that has it (runs as a transfer)',
        security: TOKEN_SECURITY,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['ref'],
                additionalProperties: false,
                properties: {
                  ref: { type: 'string', description: 'NAME or NAME@VERSION (without a version: the newest signed manifest any provider has)' },
                  out: { type: 'string', description: 'absolute path of a disk file to write while the chunks arrive (a temp file beside it, renamed once complete); a path that cannot be written fails the transfer with ERR_BAD_DESTINATION before anything is fetched' }
                }
              },
              example: { ref: 'contract-missing-image' },
              'x-bad-example': { ref: 5 }
            }
          }
        },
        responses: { 202: json('the transfer', ref('Transfer')), ...mutationErrors(404, 409, 429) }
      }
    }
  }
}
