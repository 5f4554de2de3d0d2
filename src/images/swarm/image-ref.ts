import { InvalidInputError } from '../../errors.js'
import { NAME } from '../../config/fields.js'
import { IMAGE_VERSION as VERSION } from '../constants.js'

export interface ImageRef {
  name: string
  version?: string
}

/** Parse `NAME[@VERSION]`. */
export function parseImageRef (ref: string, field = 'ref'): ImageRef {
  const at = ref.indexOf('@')
  const name = at < 0 ? ref : ref.slice(0, at)
  const version = at < 0 ? undefined : ref.slice(at + 1)
  if (!NAME.test(name)) throw new InvalidInputError(field, `"${ref}": image name must match ${NAME.source}`)
  if (version != null && !VERSION.test(version)) throw new InvalidInputError(field, `"${ref}": version must match ${VERSION.source}`)
  return version != null ? { name, version } : { name }
}

export function formatImageRef (r: ImageRef): string {
  return r.version != null ? `${r.name}@${r.version}` : r.name
}
