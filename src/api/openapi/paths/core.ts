import { errors, json, ref, type ApiPart } from '../common.js'

const ROLE = { type: 'string', enum: ['node', 'bootstrap'] }
const LABELS = { type: 'object', additionalProperties: { type: 'string' } }

/** The node itself and its mesh: status, peers, DHT lookups, metrics, the page, the document, live events. */
export const CORE_PART: ApiPart = {
  schemas: {
    Status: {
      type: 'object',
      required: ['peerId', 'role', 'site', 'labels', 'addresses', 'connections', 'knownPeers', 'uptimeSeconds', 'version', 'health'],
      additionalProperties: false,
      properties: {
        peerId: { type: 'string' },
        role: ROLE,
        site: { type: 'string' },
        region: { type: 'string' },
        zone: { type: 'string' },
        labels: LABELS,
        addresses: { type: 'array', items: { type: 'string' } },
        connections: { type: 'integer', minimum: 0 },
        knownPeers: { type: 'integer', minimum: 0 },
        uptimeSeconds: { type: 'integer', minimum: 0 },
        version: { type: 'string' },
        health: { type: 'string', enum: ['ok', 'isolated'] }
      }
    },
    Peer: {
      type: 'object',
      required: ['peerId', 'addresses', 'connected'],
      additionalProperties: false,
      properties: {
        peerId: { type: 'string' },
        addresses: { type: 'array', items: { type: 'string' } },
        connected: { type: 'boolean' },
        latencyMs: { type: 'number', minimum: 0 },
        agent: { type: 'string' },
        role: ROLE,
        site: { type: 'string' }
      }
    },
    FoundPeer: {
      type: 'object',
      required: ['peerId', 'addresses', 'durationMs'],
      additionalProperties: false,
      properties: {
        peerId: { type: 'string' },
        addresses: { type: 'array', items: { type: 'string' } },
        durationMs: { type: 'integer', minimum: 0 }
      }
    },
    TopicValue: {
      oneOf: [
        { type: 'object', required: ['data'], additionalProperties: false, properties: { data: {} } },
        { type: 'object', required: ['error'], additionalProperties: false, properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } }
      ]
    },
    EventSnapshot: {
      type: 'object',
      required: ['time', 'topics'],
      additionalProperties: false,
      properties: {
        time: { type: 'integer', description: 'ms since the epoch' },
        topics: { type: 'object', additionalProperties: ref('TopicValue'), description: 'topic name (status, peers, cluster, vms, images, transfers, migrations — those this node has) → value' }
      }
    },
    EventChange: {
      type: 'object',
      required: ['time', 'topic'],
      description: 'exactly one of data (the new value), patch (a delta against the value the subscriber holds: {"=":v} replace; {"o":{k:delta},"d":[k]} object; {"a":{i:delta},"n":length} array) or error',
      properties: { time: { type: 'integer' }, topic: { type: 'string' }, data: {}, patch: { type: 'object' }, error: { type: 'object' } }
    }
  },
  paths: {
    '/api/v1/status': {
      get: {
        operationId: 'getStatus',
        tags: ['node'],
        summary: 'this node: identity, role, site, labels, addresses, uptime, health',
        responses: { 200: json('this node', ref('Status')), ...errors() }
      }
    },
    '/api/v1/peers': {
      get: {
        operationId: 'listPeers',
        tags: ['mesh'],
        summary: 'mesh members this node knows (proved the cluster secret), connected or not, with latency',
        responses: { 200: json('peers, sorted by peer ID', { type: 'array', items: ref('Peer') }), ...errors() }
      }
    },
    '/api/v1/peers/{peerId}/find': {
      get: {
        operationId: 'findPeer',
        tags: ['mesh'],
        summary: 'look a peer up through the DHT (it need not be connected)',
        parameters: [{
          name: 'peerId', in: 'path', required: true, schema: { type: 'string' },
          example: '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
          'x-bad-example': 'not-a-peer-id'
        }],
        responses: { 200: json('where the peer is', ref('FoundPeer')), ...errors(400, 404) }
      }
    },
    '/api/v1/events': {
      get: {
        operationId: 'streamEvents',
        tags: ['node'],
        summary: 'live node state as server-sent events: one `snapshot`, then `change` events; `: heartbeat` comments',
        description: 'Each topic is the body of the GET route of the same name (status → /api/v1/status, …). A change event carries `{time, topic, data}` or `{time, topic, error}`. Subscribers are limited; a full node answers 503.',
        parameters: [{
          name: 'topics', in: 'query', required: false, schema: { type: 'string' },
          description: 'comma-separated topics to follow (default: all)', 'x-bad-example': 'no-such-topic'
        }],
        responses: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(400, 503) },
        'x-events': { snapshot: ref('EventSnapshot'), change: ref('EventChange') }
      }
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        tags: ['node'],
        summary: 'Prometheus text exposition: process, libp2p and NovaCron metrics',
        responses: { 200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors() }
      }
    },
    '/': {
      get: {
        operationId: 'statusPage',
        tags: ['node'],
        summary: 'the live status page (self-contained HTML, no CDN)',
        responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }, ...errors() }
      }
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        tags: ['node'],
        summary: 'this document (only the routes this node serves)',
        responses: { 200: json('OpenAPI 3.1 document', { type: 'object', required: ['openapi', 'info', 'paths'] }), ...errors() }
      }
    }
  }
}
