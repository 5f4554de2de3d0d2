/**
 * Base class of every error the library throws on purpose. `name` is stable per subclass (libp2p style),
 * `code` is a stable machine-readable string (hypercore style): tests and API clients match on these,
 * never on the message text.
 */
export class NovacronError extends Error {
  readonly code: string

  constructor (message: string, code: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** A value given by a user (flag, config field, request field) is invalid. */
export class InvalidInputError extends NovacronError {
  override name = 'InvalidInputError'
  /** The field, flag or parameter at fault. */
  readonly field: string

  constructor (field: string, message: string, code = 'ERR_INVALID_INPUT') {
    super(message, code)
    this.field = field
  }
}

/** Something asked for does not exist. */
export class NotFoundError extends NovacronError {
  override name = 'NotFoundError'
  constructor (message: string, code = 'ERR_NOT_FOUND') {
    super(message, code)
  }
}
