import { NovacronError, InvalidInputError, NotFoundError } from '../errors.js'

/** The one JSON error shape of the API: `{ "error": { "code", "message", "field"? } }`. */
export interface ApiErrorBody {
  error: { code: string, message: string, field?: string }
}

export class HttpError extends NovacronError {
  override name = 'HttpError'
  readonly status: number
  readonly field?: string

  constructor (status: number, code: string, message: string, field?: string) {
    super(message, code)
    this.status = status
    this.field = field
  }
}

/** Status code for an error thrown by a handler; anything not ours is a 500 with no internals leaked. */
export function toHttpError (err: unknown): HttpError {
  if (err instanceof HttpError) return err
  if (err instanceof InvalidInputError) return new HttpError(400, err.code, err.message, err.field)
  if (err instanceof NotFoundError) return new HttpError(404, err.code, err.message)
  if (err instanceof NovacronError) {
    const status = /NOT_FOUND/.test(err.code) ? 404 : /CONFLICT|EXISTS/.test(err.code) ? 409 : /UNAVAILABLE/.test(err.code) ? 503 : 500
    return new HttpError(status, err.code, err.message)
  }
  return new HttpError(500, 'ERR_INTERNAL', 'internal error')
}

export function errorBody (err: HttpError): ApiErrorBody {
  const body: ApiErrorBody = { error: { code: err.code, message: err.message } }
  if (err.field != null) body.error.field = err.field
  return body
}
