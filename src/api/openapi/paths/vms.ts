import { LABELS_SCHEMA, NAME_SCHEMA, TOKEN_SECURITY, errors, json, mutationErrors, ref, type ApiPart, type Parameter } from '../common.js'

const BYTES = { type: 'number', minimum: 0 }
const COUNT = { type: 'integer', minimum: 0 }
const SIZE = { type: ['string', 'integer'], description: 'bytes, or a size such as 512M or 1G (binary units)' }
const NAME_PARAM: Parameter = { name: 'name', in: 'path', required: true, schema: NAME_SCHEMA, example: 'no-such-vm', 'x-bad-example': 'bad name!' }

/** Virtual machines on this node (libvirt). */
export const VMS_PART: ApiPart = {
  schemas: {
    Vm: {
      type: 'object',
      required: ['name', 'state', 'desired', 'host', 'vcpus', 'memoryBytes', 'image', 'disk', 'uptimeSeconds', 'createdAt'],
      properties: {
        name: { type: 'string' },
        state: { type: 'string' },
        desired: { type: 'string' },
        host: { type: 'string' },
        vcpus: COUNT,
        memoryBytes: BYTES,
        gpus: COUNT,
        network: {},
        labels: LABELS_SCHEMA,
        image: { type: 'object', required: ['ref'], properties: { ref: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' } } },
        disk: { type: 'object', required: ['path', 'virtualBytes'], properties: { path: { type: 'string' }, virtualBytes: BYTES, allocatedBytes: BYTES } },
        kernel: { type: 'object', properties: { path: { type: 'string' }, initrd: { type: 'string' }, cmdline: { type: 'string' } } },
        uptimeSeconds: { type: ['number', 'null'] },
        createdAt: { type: 'string' },
        domain: { type: 'object', properties: { id: { type: ['integer', 'null'] }, uuid: { type: 'string' } } }
      }
    },
    CreateVm: {
      type: 'object',
      required: ['name', 'image', 'vcpus', 'memory'],
      additionalProperties: false,
      properties: {
        name: NAME_SCHEMA,
        image: { type: 'string', description: 'image ref: name or name@version' },
        vcpus: { type: 'integer', minimum: 1 },
        memory: SIZE,
        diskSize: SIZE,
        kernel: { type: 'string' },
        initrd: { type: 'string' },
        cmdline: { type: 'string' },
        network: {},
        labels: LABELS_SCHEMA,
        gpus: COUNT,
        start: { type: 'boolean' }
      }
    }
  },
  paths: {
    '/api/v1/vms': {
      get: {
        operationId: 'listVms',
        tags: ['vms'],
        summary: 'VMs this node owns, with their state',
        responses: { 200: json('VMs by name', { type: 'array', items: ref('Vm') }), ...errors(502) }
      },
      post: {
        operationId: 'createVm',
        tags: ['vms'],
        summary: 'create (and by default start) a VM from an image in the chunk store',
        security: TOKEN_SECURITY,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('CreateVm'),
              example: { name: 'contract-vm', image: 'contract-missing-image', vcpus: 1, memory: '64M', start: false },
              'x-bad-example': { name: 'contract-vm', image: 'x', vcpus: 'one', memory: '64M' }
            }
          }
        },
        responses: { 201: json('the VM', ref('Vm')), ...mutationErrors(404, 409, 502, 503) }
      }
    },
    '/api/v1/vms/{name}': {
      get: {
        operationId: 'showVm',
        tags: ['vms'],
        summary: 'one VM: state, uptime, vCPU/memory, disk path and size, host',
        parameters: [NAME_PARAM],
        responses: { 200: json('the VM', ref('Vm')), ...errors(400, 404, 502) }
      },
      delete: {
        operationId: 'deleteVm',
        tags: ['vms'],
        summary: 'destroy the VM and delete its disk',
        security: TOKEN_SECURITY,
        parameters: [NAME_PARAM],
        responses: { 200: json('deleted', { type: 'object', required: ['deleted'], properties: { deleted: { type: 'string' } } }), ...mutationErrors(404, 409, 502) }
      }
    },
    '/api/v1/vms/{name}/start': {
      post: {
        operationId: 'startVm',
        tags: ['vms'],
        summary: 'start a stopped VM',
        security: TOKEN_SECURITY,
        parameters: [NAME_PARAM],
        responses: { 200: json('the VM', ref('Vm')), ...mutationErrors(404, 409, 502) }
      }
    },
    '/api/v1/vms/{name}/stop': {
      post: {
        operationId: 'stopVm',
        tags: ['vms'],
        summary: 'stop a VM gracefully, forced after a timeout (or at once with force)',
        security: TOKEN_SECURITY,
        parameters: [NAME_PARAM],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean' } } }, example: { force: false }, 'x-bad-example': { force: 'yes' } } }
        },
        responses: {
          200: json('the VM and whether it had to be forced', { type: 'object', required: ['vm', 'forced'], properties: { vm: ref('Vm'), forced: { type: 'boolean' } } }),
          ...mutationErrors(404, 409, 502)
        }
      }
    }
  }
}
