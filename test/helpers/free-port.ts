import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** Ports this low are above the privileged range and below any ephemeral range a Linux kernel is configured with. */
const LOWEST = 10_000

/**
 * The first port of the kernel's ephemeral range (`ip_local_port_range`). A port below it is never handed out to a
 * `listen(0)` or an outgoing connection, so a port found free stays free for the node it is meant for: a port from
 * the ephemeral range could go to the node's own libp2p listener (`/tcp/0`) before its API binds it (seen once:
 * EADDRINUSE on the API port after a restart).
 */
function ephemeralStart (): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) ? low : 0
  } catch {
    return 0
  }
}

async function bindable (port: number): Promise<number | undefined> {
  return await new Promise(resolve => {
    const srv = createServer()
    srv.once('error', () => { resolve(undefined) })
    srv.listen(port, '127.0.0.1', () => {
      const { port: bound } = srv.address() as { port: number }
      srv.close(() => { resolve(bound) })
    })
  })
}

/**
 * Ports this process handed out already. A test cluster picks every node's ports before it starts any node, so a
 * port is still unbound when it is picked again for another node: one run failed with EADDRINUSE on a node's API
 * port that another node of the same cluster had been given too.
 */
const handedOut = new Set<number>()

/** A TCP port that was free a moment ago on 127.0.0.1 and not handed out before, below the ephemeral range where the kernel allows that. */
export async function freePort (): Promise<number> {
  const high = ephemeralStart()
  for (let i = 0; high - LOWEST > 1000 && i < 50; i++) {
    const candidate = LOWEST + Math.floor(Math.random() * (high - LOWEST))
    if (handedOut.has(candidate)) continue
    const port = await bindable(candidate)
    if (port !== undefined) return handOut(port)
  }
  for (let i = 0; i < 50; i++) {
    const port = await bindable(0)
    if (port !== undefined && !handedOut.has(port)) return handOut(port)
  }
  throw new Error('no free TCP port on 127.0.0.1')
}

function handOut (port: number): number {
  handedOut.add(port)
  return port
}
