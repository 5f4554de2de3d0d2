import type { Database } from '../storage/database.js'
import type { VmSpec } from './spec.js'

export type DesiredState = 'running' | 'stopped'

/** What the node remembers of one VM (LevelDB sublevel `vms`, key = VM name, value = JSON). */
export interface VmRecord {
  spec: VmSpec
  desired: DesiredState
  /** `creating` until every part exists; a record still `creating` after a restart is rolled back. */
  phase: 'creating' | 'ready'
  image: { name: string, version: string, sizeBytes: number }
  /** Virtual size of the VM's disk. */
  diskBytes: number
  diskPath: string
  basePath: string
  consoleLogPath: string
  /** The libvirt domain UUID (chosen at create, so a re-define updates the same domain). */
  uuid?: string
  createdAt: number
  /** When this node last started the domain (uptime); kept across node restarts. */
  startedAt?: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
/** classic-level honours `sync` (fsync the WAL) through a sublevel; its sublevel typings omit it. */
const SYNC = { sync: true } as object

/** Crash-safe persistence of VM records: each put is one LevelDB write (its WAL makes it atomic). */
export class VmStore {
  private readonly level

  constructor (db: Database) {
    this.level = db.sublevel<string, Uint8Array>('vms', { valueEncoding: 'view' })
  }

  async get (name: string): Promise<VmRecord | undefined> {
    const v = await this.level.get(name)
    return v == null ? undefined : JSON.parse(decoder.decode(v)) as VmRecord
  }

  async put (record: VmRecord): Promise<void> {
    await this.level.put(record.spec.name, encoder.encode(JSON.stringify(record)), SYNC)
  }

  async delete (name: string): Promise<void> {
    await this.level.del(name, SYNC)
  }

  async list (): Promise<VmRecord[]> {
    const out: VmRecord[] = []
    for await (const v of this.level.values()) out.push(JSON.parse(decoder.decode(v)) as VmRecord)
    return out
  }
}
