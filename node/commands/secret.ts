import { writeNewSecret } from '../../src/secret/cluster-secret.js'
import { CliError, str, type Command } from '../cli-kit.js'

export const secretNewCommand: Command = {
  name: 'secret new',
  summary: 'create a new cluster secret file (mode 0600); only its holders can join the mesh',
  usage: 'novacron secret new --out FILE',
  options: { out: { type: 'string' } },
  async run (args, io) {
    const out = str(args, 'out')
    if (out == null) throw new CliError('secret new: --out FILE is required', 2)
    await writeNewSecret(out)
    io.stdout.write(`wrote cluster secret ${out} (mode 0600); copy it to every node over a trusted channel\n`)
    return 0
  }
}
