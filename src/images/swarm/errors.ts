import { NovacronError } from '../../errors.js'

/** A peer broke the protocol: bad frame, oversized message, unsolicited response, wrong bytes. */
export class ProtocolViolationError extends NovacronError {
  override name = 'ProtocolViolationError'
  constructor (message: string, code = 'ERR_PROTOCOL_VIOLATION') {
    super(message, code)
  }
}

/** A chunk's bytes do not hash to its ID. */
export class BadChunkError extends ProtocolViolationError {
  override name = 'BadChunkError'
  constructor (message: string) {
    super(message, 'ERR_BAD_CHUNK')
  }
}

/** A request got no answer in time. */
export class RequestTimeoutError extends NovacronError {
  override name = 'RequestTimeoutError'
  constructor (message: string) {
    super(message, 'ERR_REQUEST_TIMEOUT')
  }
}

/** The remote does not have what was asked. */
export class RemoteNotFoundError extends NovacronError {
  override name = 'RemoteNotFoundError'
  constructor (message: string) {
    super(message, 'ERR_REMOTE_NOT_FOUND')
  }
}

/** The session's stream closed (the peer left, reset or was dropped). */
export class SessionClosedError extends NovacronError {
  override name = 'SessionClosedError'
  constructor (message: string) {
    super(message, 'ERR_SESSION_CLOSED')
  }
}

/** A manifest failed validation or its signature check. */
export class BadManifestError extends NovacronError {
  override name = 'BadManifestError'
  constructor (message: string) {
    super(message, 'ERR_BAD_MANIFEST')
  }
}

/** No provider of an image could be found or none answered. */
export class NoProvidersError extends NovacronError {
  override name = 'NoProvidersError'
  constructor (message: string) {
    super(message, 'ERR_IMAGE_NOT_FOUND')
  }
}

/** A transfer stopped making progress (no peer holds the missing chunks). */
export class TransferStalledError extends NovacronError {
  override name = 'TransferStalledError'
  constructor (message: string) {
    super(message, 'ERR_TRANSFER_STALLED')
  }
}

/** The transfer was cancelled (node stopping or user abort). */
export class TransferAbortedError extends NovacronError {
  override name = 'TransferAbortedError'
  constructor (message: string) {
    super(message, 'ERR_TRANSFER_ABORTED')
  }
}
