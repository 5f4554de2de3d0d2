import { resolve } from 'node:path'
import type { TransferProgress } from '../../src/images/swarm/transfer-progress.js'
import { ApiClient, CLIENT_OPTIONS } from '../api-client.js'
import { CliError, flag, str, writeJson, type Command, type Io } from '../cli-kit.js'

const POLL_MS = 250
/** How long `image pull` waits for a node that went away mid-pull (restarted) to show the pull it resumed. */
const REATTACH_MS = 60_000
const REATTACH_POLL_MS = 500
/** Failures of one poll after which the pull is looked for again: the node is down, or it restarted (new job IDs). */
const NODE_WENT_AWAY = new Set(['ERR_NODE_UNREACHABLE', 'ERR_NODE_TIMEOUT', 'ERR_TRANSFER_NOT_FOUND'])

function bytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u] ?? 'B'}`
}

/** One line: `[#####.....]  45%  460.8 MiB / 1.0 GiB  85.2 MiB/s  ETA 7 s  3 peers`. */
export function progressLine (p: TransferProgress, width = 24): string {
  const frac = p.totalBytes > 0 ? p.doneBytes / p.totalBytes : p.state === 'done' ? 1 : 0
  const filled = Math.round(frac * width)
  const eta = p.etaSeconds == null ? '--' : `${p.etaSeconds} s`
  if (p.state === 'resolving') return `${p.ref}: looking for providers…`
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${bytes(p.doneBytes)} / ${bytes(p.totalBytes)}  ${bytes(p.rateBytesPerSec)}/s  ETA ${eta}  ${p.peers} peer${p.peers === 1 ? '' : 's'}`
}

function draw (io: Io, line: string, tty: boolean): void {
  if (tty) io.stderr.write(`\r${line}\x1b[K`)
}

/** Whether `t` is the pull `p` (to the same file), or the one a restarted node resumed in its place. */
function samePull (t: TransferProgress, p: TransferProgress): boolean {
  return t.id === p.id || ((t.ref === p.ref || t.ref.startsWith(`${p.ref}@`)) && (p.out == null || t.out === p.out) && t.startedAt >= p.startedAt)
}

/**
 * The node went away during the pull `p` (`cause`): wait for it to answer again and follow the pull it resumed (a
 * restarted node resumes its pulls, `--out` files included), up to REATTACH_MS.
 */
async function reattach (api: ApiClient, p: TransferProgress, cause: Error, io: Io, stopped: () => boolean): Promise<TransferProgress> {
  io.stderr.write(`\nlost the pull of ${p.ref} (${cause.message}); waiting up to ${REATTACH_MS / 1000} s for the node to resume it\n`)
  const deadline = Date.now() + REATTACH_MS
  while (Date.now() < deadline && !stopped()) {
    await new Promise(resolve => setTimeout(resolve, REATTACH_POLL_MS))
    const found = (await api.get<TransferProgress[]>('/api/v1/transfers').catch(() => []))
      .filter(t => samePull(t, p)).sort((a, b) => b.startedAt - a.startedAt)[0]
    if (found != null) {
      if (found.id !== p.id) io.stderr.write(`the node resumed the pull of ${p.ref} (transfer ${found.id})\n`)
      return found
    }
  }
  throw new CliError(`the pull of ${p.ref} was lost: ${cause.message}; the node did not show it again within ${REATTACH_MS / 1000} s`)
}

export const imagePullCommand: Command = {
  name: 'image pull',
  summary: 'pull an image from every peer that has it (DHT providers), verifying each chunk',
  usage: 'novacron image pull NAME[@VERSION] [--out FILE] [--data-dir DIR | --api URL] [--json]',
  options: { ...CLIENT_OPTIONS, out: { type: 'string', short: 'o' } },
  positionals: [1, 1],
  async run (args, io) {
    const ref = args.positionals[0] ?? ''
    const outArg = str(args, 'out')
    const out = outArg != null ? resolve(outArg) : undefined
    const api = await ApiClient.fromArgs(args, io)
    let p = await api.request<TransferProgress>('POST', '/api/v1/images/pull', { ref, ...(out != null ? { out } : {}) })
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true
    let stopped = false
    void io.stopSignal.then(() => { stopped = true })
    let lastPlain = 0
    while (p.state === 'resolving' || p.state === 'running') {
      if (stopped) throw new CliError(`interrupted: the pull of ${p.ref} goes on in the node (see GET /api/v1/transfers/${p.id})`, 130)
      draw(io, progressLine(p), tty)
      if (!tty && Date.now() - lastPlain > 2000) {
        io.stderr.write(progressLine(p) + '\n')
        lastPlain = Date.now()
      }
      // a long poll: the node answers the moment the pull ends, else after POLL_MS with its progress
      const polled = p
      p = await api.get<TransferProgress>(`/api/v1/transfers/${encodeURIComponent(p.id)}?waitMs=${POLL_MS}`).catch(async (err: CliError) => {
        if (err.code == null || !NODE_WENT_AWAY.has(err.code)) throw err
        return await reattach(api, polled, err, io, () => stopped)
      })
    }
    draw(io, progressLine(p), tty)
    if (tty) io.stderr.write('\n')
    if (p.state !== 'done') throw new CliError(`${p.error?.code ?? 'ERR_PULL_FAILED'}: ${p.error?.message ?? `pull of ${p.ref} ${p.state}`}`)
    if (flag(args, 'json')) {
      writeJson(io, p)
      return 0
    }
    const secs = ((p.finishedAt ?? Date.now()) - p.startedAt) / 1000
    io.stdout.write(`pulled ${p.ref}: ${bytes(p.doneBytes - p.reusedBytes)} fetched, ${bytes(p.reusedBytes)} already held, in ${secs.toFixed(1)} s` +
      `${p.perPeer.length > 0 ? ` from ${p.perPeer.length} peers` : ''}${out != null ? `; written to ${out}` : ''}\n`)
    return 0
  }
}
