/** Building blocks of the OpenAPI document: the shared error shape and response helpers. */

/** A JSON Schema object as OpenAPI 3.1 uses it (only the subset the contract test validates). */
export type Schema = Record<string, unknown>

export interface Parameter {
  name: string
  in: 'path' | 'query'
  required?: boolean
  description?: string
  schema: Schema
  /** A value the contract test uses for a good request. */
  example?: string
  /** A value the contract test uses for a bad request (must get a 4xx in the error shape). */
  'x-bad-example'?: string
}

export interface Operation {
  summary: string
  description?: string
  operationId: string
  tags: string[]
  parameters?: Parameter[]
  requestBody?: {
    required: boolean
    content: Record<string, { schema: Schema, example?: unknown, 'x-bad-example'?: unknown }>
  }
  responses: Record<string, Response>
  security?: Array<Record<string, string[]>>
  /** For text/event-stream responses: the schema of each event's data, by event name. */
  'x-events'?: Record<string, Schema>
}

export interface Response {
  description: string
  content?: Record<string, { schema: Schema }>
}

/** One part of the API: its paths (pattern → method → operation) and the schemas they reference. */
export interface ApiPart {
  paths: Record<string, Partial<Record<'get' | 'post' | 'put' | 'patch' | 'delete', Operation>>>
  schemas: Record<string, Schema>
}

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })

/** The one error shape of every non-2xx JSON answer. */
export const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', pattern: '^ERR_[A-Z0-9_]+$', description: 'stable machine-readable code; match on this, never on the message' },
        message: { type: 'string', description: 'for humans' },
        field: { type: 'string', description: 'the request field, parameter or flag at fault' }
      }
    }
  }
}

const ERROR_TEXT: Record<string, string> = {
  400: 'invalid request (the error names the field)',
  401: 'the API token is missing',
  403: 'the API token is wrong',
  404: 'no such resource',
  405: 'method not allowed on this path',
  409: 'conflict with the current state',
  413: 'request body too large',
  415: 'request body is not application/json',
  429: 'too many of these running; try again later',
  500: 'internal error',
  502: 'the hypervisor (libvirt) failed or is unreachable',
  503: 'temporarily unavailable',
  504: 'timed out'
}

export function json (description: string, schema: Schema): Response {
  return { description, content: { 'application/json': { schema } } }
}

/** Error responses, all with the shared error shape. 405 and 500 are added to every operation. */
export function errors (...statuses: number[]): Record<string, Response> {
  const out: Record<string, Response> = {}
  for (const s of [...statuses, 405, 500]) out[String(s)] = json(ERROR_TEXT[s] ?? 'error', ref('Error'))
  return out
}

/** Errors every token-protected mutation may answer, plus the given ones. */
export function mutationErrors (...statuses: number[]): Record<string, Response> {
  return errors(400, 401, 403, 413, 415, ...statuses)
}

export const TOKEN_SECURITY = [{ bearerToken: [] }]

export const NAME_SCHEMA: Schema = { type: 'string', pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$' }
export const LABELS_SCHEMA: Schema = { type: 'object', additionalProperties: { type: 'string' } }
