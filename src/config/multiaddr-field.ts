import { multiaddr } from '@multiformats/multiaddr'
import { FieldProblem } from './fields.js'

// Apart from fields.ts so that what parses flags and labels (the CLI's client commands) does not load the multiaddr
// library, which only the config's validation needs.

/** A multiaddr that parses; `requirePeerId` for bootstrap addresses, which must end in /p2p/<id>. */
export function checkMultiaddr (value: string, path: string, requirePeerId = false): void {
  let ma
  try {
    ma = multiaddr(value)
  } catch (err) {
    throw new FieldProblem(path, `"${value}" is not a valid multiaddr (${(err as Error).message})`)
  }
  if (requirePeerId && ma.getComponents().find(c => c.name === 'p2p') == null) {
    throw new FieldProblem(path, `"${value}" must end with /p2p/<peer id>`)
  }
}
