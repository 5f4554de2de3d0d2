import { NovacronError } from '../errors.js'

/** The config file is missing, unreadable or has an invalid field. Names the file and the field. */
export class ConfigError extends NovacronError {
  override name = 'ConfigError'
  readonly file: string
  readonly field: string

  constructor (file: string, field: string, problem: string, code = 'ERR_INVALID_CONFIG') {
    super(`${file}: field "${field}": ${problem}`, code)
    this.file = file
    this.field = field
  }
}
