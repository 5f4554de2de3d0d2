import { FieldProblem, parseHostPort, parseLabelFlag } from '../../src/config/fields.js'
import { CliError, list, str, type ParsedArgs } from '../cli-kit.js'

/** `--label K=V`… and `--api HOST:PORT`, shared by `init` and `install`; a bad value is a usage error naming the flag. */
export function readLabelAndApiFlags (args: ParsedArgs, command: string): { labels: Record<string, string>, api?: { host: string, port: number } } {
  try {
    const labels = Object.fromEntries(list(args, 'label').map(l => parseLabelFlag('--label', l)))
    const apiFlag = str(args, 'api')
    return { labels, api: apiFlag != null ? parseHostPort('--api', apiFlag) : undefined }
  } catch (err) {
    if (err instanceof FieldProblem) throw new CliError(`${command}: ${err.field}: ${err.problem}`, 2)
    throw err
  }
}
