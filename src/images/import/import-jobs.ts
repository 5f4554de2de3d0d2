import { randomUUID } from 'node:crypto'
import type { AddOptions, AddResult, ImageService, ImageSummary } from '../image-service.js'
import type { ImportProgress } from './chunk-into-store.js'

/** What the API shows of one `image add` while it runs and after. */
export interface ImportJobView {
  id: string
  /** `name@version` once the version is known (at once when given). */
  name: string
  version?: string
  path: string
  state: 'running' | 'done' | 'failed'
  phase: ImportProgress['phase']
  doneBytes: number
  totalBytes: number
  rateBytesPerSec: number
  startedAt: number
  finishedAt?: number
  result?: { image: ImageSummary, format: AddResult['format'], newChunks: number, newStoredBytes: number }
  error?: { code: string, message: string, field?: string }
}

/** Finished jobs kept for `GET /api/v1/imports/{id}`. */
const KEEP_FINISHED = 32
/** Imports running at once; more are refused (they compete for the same disk). */
export const MAX_RUNNING_IMPORTS = 4

/** Imports run in the node; clients poll their progress. */
export class ImportJobs {
  private readonly jobs = new Map<string, ImportJobView>()

  constructor (private readonly images: ImageService) {}

  running (): number {
    return [...this.jobs.values()].filter(j => j.state === 'running').length
  }

  start (path: string, opts: Omit<AddOptions, 'onProgress'>): ImportJobView {
    const job: ImportJobView = {
      id: randomUUID(), name: opts.name, version: opts.version, path, state: 'running', phase: 'convert',
      doneBytes: 0, totalBytes: 0, rateBytesPerSec: 0, startedAt: Date.now()
    }
    this.jobs.set(job.id, job)
    const t0 = performance.now()
    const onProgress = (p: ImportProgress): void => {
      job.phase = p.phase
      job.doneBytes = p.doneBytes
      job.totalBytes = p.totalBytes
      const secs = (performance.now() - t0) / 1000
      job.rateBytesPerSec = secs > 0 ? Math.round(p.doneBytes / secs) : 0
    }
    this.images.add(path, { ...opts, onProgress }).then(r => {
      job.state = 'done'
      job.version = r.manifest.version
      job.result = { image: this.images.summary(r.manifest), format: r.format, newChunks: r.newChunks, newStoredBytes: r.newStoredBytes }
    }, (err: unknown) => {
      const e = err as { code?: string, message?: string, field?: string }
      job.state = 'failed'
      job.error = { code: e.code ?? 'ERR_INTERNAL', message: e.message ?? String(err), ...(e.field != null ? { field: e.field } : {}) }
    }).finally(() => {
      job.finishedAt = Date.now()
      this.prune()
    })
    return job
  }

  get (id: string): ImportJobView | undefined {
    return this.jobs.get(id)
  }

  list (): ImportJobView[] {
    return [...this.jobs.values()]
  }

  private prune (): void {
    const finished = [...this.jobs.values()].filter(j => j.state !== 'running')
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id)
  }
}
