import { LABELS_SCHEMA, NAME_SCHEMA, TOKEN_SECURITY, errors, json, mutationErrors, ref, type ApiPart } from '../common.js'

const COUNT = { type: 'integer', minimum: 0 }
const BYTES = { type: 'number', minimum: 0 }

/** The cluster view (membership and state gossip) and runtime labels. */
export const CLUSTER_PART: ApiPart = {
  schemas: {
    Resources: {
      type: 'object',
      required: ['cpuCores', 'load', 'memoryTotal', 'memoryFree', 'diskTotal', 'diskFree', 'gpus'],
      properties: {
        cpuCores: COUNT,
        load: { type: 'number', minimum: 0, description: '1-minute load average' },
        memoryTotal: BYTES,
        memoryFree: BYTES,
        diskTotal: BYTES,
        diskFree: BYTES,
        gpus: { type: 'array', items: { type: 'object', required: ['model', 'memoryBytes'], properties: { model: { type: 'string' }, memoryBytes: BYTES } } }
      }
    },
    VmAllocation: {
      type: 'object',
      required: ['name', 'state', 'vcpus', 'memoryBytes', 'diskBytes', 'gpus'],
      properties: { name: { type: 'string' }, state: { type: 'string' }, vcpus: COUNT, memoryBytes: BYTES, diskBytes: BYTES, gpus: COUNT }
    },
    Member: {
      type: 'object',
      required: ['peerId', 'self', 'liveness', 'livenessAgeSeconds', 'recordAgeSeconds', 'bootEpoch', 'seq', 'role', 'site', 'labels', 'resources', 'vms', 'addresses', 'version'],
      properties: {
        peerId: { type: 'string' },
        self: { type: 'boolean' },
        liveness: { type: 'string', enum: ['alive', 'suspect', 'dead'] },
        livenessAgeSeconds: { type: 'number', minimum: 0 },
        recordAgeSeconds: { type: 'number', minimum: 0 },
        bootEpoch: COUNT,
        seq: COUNT,
        role: { type: 'string' },
        site: { type: 'string' },
        region: { type: 'string' },
        zone: { type: 'string' },
        labels: LABELS_SCHEMA,
        resources: ref('Resources'),
        vms: { type: 'array', items: ref('VmAllocation') },
        addresses: { type: 'array', items: { type: 'string' } },
        version: { type: 'string' }
      }
    },
    SiteTotals: {
      type: 'object',
      required: ['site', 'nodes', 'alive', 'suspect', 'dead', 'cpuCores', 'memoryTotal', 'memoryFree', 'diskTotal', 'diskFree'],
      properties: {
        site: { type: 'string' },
        nodes: COUNT,
        alive: COUNT,
        suspect: COUNT,
        dead: COUNT,
        cpuCores: COUNT,
        memoryTotal: BYTES,
        memoryFree: BYTES,
        diskTotal: BYTES,
        diskFree: BYTES,
        gpus: COUNT,
        vms: COUNT,
        vmVcpus: COUNT,
        vmMemoryBytes: BYTES
      }
    },
    ClusterSnapshot: {
      type: 'object',
      required: ['self', 'members', 'sites', 'totals'],
      properties: {
        self: { type: 'string' },
        members: { type: 'array', items: ref('Member') },
        sites: { type: 'array', items: ref('SiteTotals') },
        totals: ref('SiteTotals')
      }
    },
    LabelChange: {
      type: 'object',
      additionalProperties: false,
      properties: {
        set: LABELS_SCHEMA,
        remove: { type: 'array', items: { type: 'string' } }
      }
    }
  },
  paths: {
    '/api/v1/cluster': {
      get: {
        operationId: 'getCluster',
        tags: ['cluster'],
        summary: 'every member with liveness, labels, resources, VMs and record age; totals per site',
        parameters: [{ name: 'site', in: 'query', required: false, schema: NAME_SCHEMA, description: 'only members of this site', example: 'contract', 'x-bad-example': '-no site-' }],
        responses: { 200: json('the cluster view', ref('ClusterSnapshot')), ...errors(400) }
      }
    },
    '/api/v1/labels': {
      put: {
        operationId: 'changeLabels',
        tags: ['cluster'],
        summary: 'set and remove runtime labels of this node (gossiped to the cluster at once)',
        security: TOKEN_SECURITY,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('LabelChange'), example: { set: { rack: 'r1' } }, 'x-bad-example': { set: { 'Bad Key': 'x' } } } }
        },
        responses: {
          200: json('the labels now', { type: 'object', required: ['labels'], properties: { labels: LABELS_SCHEMA } }),
          ...mutationErrors(404)
        }
      }
    }
  }
}
