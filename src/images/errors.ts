import { NovacronError, NotFoundError, InvalidInputError } from '../errors.js'

/** A chunk's bytes do not hash to the ID they were offered under. Nothing was stored. */
export class ChunkHashMismatchError extends NovacronError {
  override name = 'ChunkHashMismatchError'
  constructor (message: string) { super(message, 'ERR_CHUNK_HASH_MISMATCH') }
}

/** A stored chunk file no longer matches its ID (or cannot be decoded); it has been removed from the store. */
export class ChunkCorruptError extends NovacronError {
  override name = 'ChunkCorruptError'
  constructor (message: string) { super(message, 'ERR_CHUNK_CORRUPT') }
}

export class ChunkNotFoundError extends NotFoundError {
  override name = 'ChunkNotFoundError'
  constructor (message: string) { super(message, 'ERR_CHUNK_NOT_FOUND') }
}

/** The file system holding the data dir (or the output file) is full. Nothing half-written is left behind. */
export class DiskFullError extends NovacronError {
  override name = 'DiskFullError'
  constructor (message: string, options?: ErrorOptions) { super(message, 'ERR_DISK_FULL', options) }
}

export class ImageNotFoundError extends NotFoundError {
  override name = 'ImageNotFoundError'
  constructor (message: string) { super(message, 'ERR_IMAGE_NOT_FOUND') }
}

export class ImageExistsError extends NovacronError {
  override name = 'ImageExistsError'
  constructor (message: string) { super(message, 'ERR_IMAGE_EXISTS') }
}

/** The file given to `image add` cannot be imported (missing, not a regular file, unreadable, bad qcow2). */
export class ImageSourceError extends InvalidInputError {
  override name = 'ImageSourceError'
  constructor (field: string, message: string, code = 'ERR_IMAGE_SOURCE') { super(field, message, code) }
}

/** A manifest is malformed or its signature does not verify. */
export class ManifestInvalidError extends NovacronError {
  override name = 'ManifestInvalidError'
  constructor (message: string, code = 'ERR_MANIFEST_INVALID') { super(message, code) }
}

/** Turn a file-system error into DiskFullError when it means "no space"; otherwise return it unchanged. */
export function diskFullOr (err: unknown, what: string): unknown {
  const code = (err as { code?: string }).code
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(`no space left while writing ${what}`, { cause: err })
  return err
}

/** The data dir holds a chunk store in a layout this version does not read. Nothing was changed. */
export class ChunkStoreFormatError extends NovacronError {
  override name = 'ChunkStoreFormatError'
  constructor (message: string) { super(message, 'ERR_STORE_FORMAT') }
}
