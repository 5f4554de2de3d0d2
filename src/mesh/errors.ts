import { NovacronError } from '../errors.js'

export class MeshError extends NovacronError {
  override name = 'MeshError'
}
