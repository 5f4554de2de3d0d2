import { resolve } from 'node:path'
import type { ImageSummary } from '../../src/images/image-service.js'
import type { ImportJobView } from '../../src/images/import/import-jobs.js'
import { ApiClient, CLIENT_OPTIONS } from '../api-client.js'
import { CliError, UsageError, flag, str, table, writeJson, type Command } from '../cli-kit.js'

const POLL_MS = 200

export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u] ?? 'B'}`
}

/** `[#####.....]  45%  460.8 MiB / 1.0 GiB  385.2 MiB/s  ETA 2 s` (or the qcow2 conversion step). */
export function importProgressLine (j: ImportJobView, width = 24): string {
  if (j.phase === 'convert') return `${j.name}: opening the source (a qcow2 is converted to raw first)…`
  const frac = j.totalBytes > 0 ? Math.min(1, j.doneBytes / j.totalBytes) : 0
  const filled = Math.round(frac * width)
  const eta = j.rateBytesPerSec > 0 ? `${Math.ceil((j.totalBytes - j.doneBytes) / j.rateBytesPerSec)} s` : '--'
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${formatBytes(j.doneBytes)} / ${formatBytes(j.totalBytes)}  ${formatBytes(j.rateBytesPerSec)}/s  ETA ${eta}`
}

function summaryLine (s: ImageSummary): string {
  return `${s.ref}: ${formatBytes(s.size)}, ${s.chunks} chunks (${s.zeroChunks} zero, ${s.uniqueChunks} distinct stored)`
}

const imageAdd: Command = {
  name: 'image add',
  summary: 'import a raw or qcow2 disk file as an image (content-defined chunks, deduplicated, signed manifest)',
  usage: 'novacron image add FILE --name NAME [--version V] [--format raw|qcow2] [--progress] [--data-dir DIR | --api URL] [--json]',
  options: { ...CLIENT_OPTIONS, name: { type: 'string' }, version: { type: 'string' }, format: { type: 'string' }, progress: { type: 'boolean' } },
  positionals: [1, 1],
  async run (args, io) {
    const name = str(args, 'name')
    if (name == null) throw new UsageError(`image add: --name is required\nusage: ${imageAdd.usage}`)
    const format = str(args, 'format')
    if (format != null && format !== 'raw' && format !== 'qcow2') throw new UsageError('--format must be raw or qcow2')
    const version = str(args, 'version')
    const api = await ApiClient.fromArgs(args, io)
    // the node reads the file itself: give it an absolute path
    const path = resolve(args.positionals[0] ?? '')
    let job = await api.request<ImportJobView>('POST', '/api/v1/images', { path, name, ...(version != null ? { version } : {}), ...(format != null ? { format } : {}) })
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true
    const show = tty || flag(args, 'progress')
    let lastPlain = 0
    let stopped = false
    void io.stopSignal.then(() => { stopped = true })
    while (job.state === 'running') {
      if (stopped) throw new CliError(`interrupted: the import goes on in the node (GET /api/v1/imports/${job.id})`, 130)
      if (show && tty) io.stderr.write(`\r${importProgressLine(job)}\x1b[K`)
      else if (show && Date.now() - lastPlain >= 1000) {
        io.stderr.write(importProgressLine(job) + '\n')
        lastPlain = Date.now()
      }
      await new Promise(resolve => setTimeout(resolve, POLL_MS))
      job = await api.get<ImportJobView>(`/api/v1/imports/${encodeURIComponent(job.id)}`)
    }
    if (show) io.stderr.write(`${tty ? '\r' : ''}${importProgressLine(job)}${tty ? '\x1b[K' : ''}\n`)
    if (job.state === 'failed' || job.result == null) {
      throw new CliError(`${job.error?.code ?? 'ERR_IMPORT_FAILED'}: ${job.error?.message ?? 'import failed'}`)
    }
    if (flag(args, 'json')) {
      writeJson(io, { ...job.result.image, format: job.result.format, newChunks: job.result.newChunks, newStoredBytes: job.result.newStoredBytes })
      return 0
    }
    const secs = ((job.finishedAt ?? Date.now()) - job.startedAt) / 1000
    io.stdout.write(`added ${summaryLine(job.result.image)}; ${job.result.newChunks} new chunks, ${formatBytes(job.result.newStoredBytes)} written, in ${secs.toFixed(1)} s\n`)
    return 0
  }
}

const imageList: Command = {
  name: 'image list',
  summary: 'list the images held by this node',
  usage: 'novacron image list [--data-dir DIR | --api URL] [--json]',
  options: { ...CLIENT_OPTIONS },
  async run (args, io) {
    const images = await (await ApiClient.fromArgs(args, io)).get<ImageSummary[]>('/api/v1/images')
    if (flag(args, 'json')) {
      writeJson(io, images)
      return 0
    }
    if (images.length === 0) {
      io.stdout.write('no images\n')
      return 0
    }
    io.stdout.write(table(['IMAGE', 'SIZE', 'CHUNKS', 'STORED', 'ZERO', 'CREATED', 'AUTHOR'],
      images.map(s => [s.ref, formatBytes(s.size), String(s.chunks), String(s.uniqueChunks), String(s.zeroChunks), new Date(s.createdAt).toISOString(), s.author.slice(-8)])))
    return 0
  }
}

const imageShow: Command = {
  name: 'image show',
  summary: 'show one image (NAME is its newest version)',
  usage: 'novacron image show NAME[@VERSION] [--data-dir DIR | --api URL] [--json]',
  options: { ...CLIENT_OPTIONS },
  positionals: [1, 1],
  async run (args, io) {
    const ref = args.positionals[0] ?? ''
    const s = await (await ApiClient.fromArgs(args, io)).get<ImageSummary & { signatureValid: boolean, versions: string[] }>(`/api/v1/images/${encodeURIComponent(ref)}`)
    if (flag(args, 'json')) {
      writeJson(io, s)
      return 0
    }
    const rows: Array<[string, string]> = [
      ['image', s.ref], ['size', `${formatBytes(s.size)} (${s.size} bytes)`], ['chunks', String(s.chunks)],
      ['zero chunks', String(s.zeroChunks)], ['distinct stored', String(s.uniqueChunks)], ['author', s.author],
      ['signature', s.signatureValid ? 'valid' : 'INVALID'], ['created', new Date(s.createdAt).toISOString()], ['versions', s.versions.join(', ')]
    ]
    io.stdout.write(rows.map(([k, v]) => `${k.padEnd(16)} ${v}`).join('\n') + '\n')
    return 0
  }
}

const imageRm: Command = {
  name: 'image rm',
  summary: 'remove an image version (a bare NAME removes every version) and collect its unshared chunks',
  usage: 'novacron image rm NAME[@VERSION] [--data-dir DIR | --api URL] [--json]',
  options: { ...CLIENT_OPTIONS },
  positionals: [1, 1],
  async run (args, io) {
    const ref = args.positionals[0] ?? ''
    const r = await (await ApiClient.fromArgs(args, io)).request<{ removed: string[], freedChunks: number, freedBytes: number, reclaimedBytes: number }>('DELETE', `/api/v1/images/${encodeURIComponent(ref)}`)
    if (flag(args, 'json')) {
      writeJson(io, r)
      return 0
    }
    io.stdout.write(`removed ${r.removed.join(', ')}; freed ${r.freedChunks} chunks (${formatBytes(r.freedBytes)}); chunk packs shrank by ${formatBytes(r.reclaimedBytes)}\n`)
    return 0
  }
}

export const IMAGE_COMMANDS: Command[] = [imageAdd, imageList, imageShow, imageRm]

