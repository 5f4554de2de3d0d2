import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { novacronArgv, runCli } from './cli.js'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'

export type Role = 'node' | 'bootstrap'

export interface InitNodeOptions {
  name: string
  site?: string
  bootstrap?: string[]
  labels?: string[]
  extraArgs?: string[]
}

/** One real `novacron` process (node or bootstrap seed) with its own data dir and ports. */
export class NovacronProcess {
  child?: ChildProcess
  logs = ''
  exitCode?: number | null

  constructor (readonly name: string, readonly role: Role, readonly dataDir: string, readonly peerId: string,
    readonly p2pPort: number, readonly apiPort: number) {}

  get addr (): string {
    return `/ip4/127.0.0.1/tcp/${this.p2pPort}/p2p/${this.peerId}`
  }

  get apiUrl (): string {
    return `http://127.0.0.1:${this.apiPort}`
  }

  async start (): Promise<void> {
    this.logs = ''
    this.exitCode = undefined
    const child = spawn(process.execPath, novacronArgv([this.role, 'start', '--data-dir', this.dataDir]), { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    child.stdout?.on('data', (d: Buffer) => { this.logs += d.toString() })
    child.stderr?.on('data', (d: Buffer) => { this.logs += d.toString() })
    child.once('exit', code => { this.exitCode = code })
    await waitFor(async () => this.exitCode === undefined ? (await fetch(`${this.apiUrl}/api/v1/status`)).ok : Promise.reject(new Error(`exited ${this.exitCode}: ${this.logs}`)),
      { timeoutMs: 30_000, what: `${this.name} API` })
  }

  /** Stop with a signal and wait for the exit; returns how long it took. */
  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    const child = this.child
    if (child == null || this.exitCode !== undefined) return 0
    const started = Date.now()
    const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
    child.kill(signal)
    await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 15_000))])
    if (this.exitCode === undefined) {
      child.kill('SIGKILL')
      await exited
    }
    return Date.now() - started
  }

  async get<T = unknown> (path: string): Promise<T> {
    const res = await fetch(this.apiUrl + path, { signal: AbortSignal.timeout(15_000) })
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
    return await res.json() as T
  }

  async peers (): Promise<Array<{ peerId: string, connected: boolean, role?: string, latencyMs?: number }>> {
    return await this.get('/api/v1/peers')
  }

  async connectedPeerIds (): Promise<Set<string>> {
    return new Set((await this.peers()).filter(p => p.connected).map(p => p.peerId))
  }
}

/** Temp dir holding the cluster secret and every data dir of one test cluster. */
export class TestCluster {
  readonly procs: NovacronProcess[] = []

  private constructor (readonly root: string, readonly secretFile: string) {}

  static async create (prefix = 'novacron-test-'): Promise<TestCluster> {
    const root = await mkdtemp(join(tmpdir(), prefix))
    const secretFile = join(root, 'cluster.secret')
    const r = await runCli(['secret', 'new', '--out', secretFile])
    if (r.code !== 0) throw new Error(`secret new failed: ${r.stderr}`)
    return new TestCluster(root, secretFile)
  }

  /** `novacron init` a data dir on free ports (not started). */
  async init (role: Role, opts: InitNodeOptions, secretFile = this.secretFile): Promise<NovacronProcess> {
    const dataDir = join(this.root, opts.name)
    const p2pPort = await freePort()
    const apiPort = await freePort()
    const args = ['init', '--data-dir', dataDir, '--secret-file', secretFile, '--listen', `/ip4/127.0.0.1/tcp/${p2pPort}`,
      '--api', `127.0.0.1:${apiPort}`, '--site', opts.site ?? opts.name, '--json',
      ...(opts.bootstrap ?? []).flatMap(b => ['--bootstrap', b]), ...(opts.labels ?? []).flatMap(l => ['--label', l]), ...(opts.extraArgs ?? [])]
    const r = await runCli(args)
    if (r.code !== 0) throw new Error(`init ${opts.name} failed: ${r.stderr}`)
    const { peerId } = JSON.parse(r.stdout) as { peerId: string }
    const proc = new NovacronProcess(opts.name, role, dataDir, peerId, p2pPort, apiPort)
    this.procs.push(proc)
    return proc
  }

  /** Start `bootstraps` seeds, then `nodes` nodes that know only the seeds. */
  async startMesh ({ bootstraps, nodes }: { bootstraps: number, nodes: number }): Promise<{ seeds: NovacronProcess[], nodes: NovacronProcess[] }> {
    const seeds: NovacronProcess[] = []
    for (let i = 0; i < bootstraps; i++) seeds.push(await this.init('bootstrap', { name: `seed${i + 1}` }))
    const others: NovacronProcess[] = []
    for (let i = 0; i < nodes; i++) others.push(await this.init('node', { name: `node${i + 1}`, bootstrap: seeds.map(s => s.addr) }))
    await Promise.all(seeds.map(async s => { await s.start() }))
    await Promise.all(others.map(async n => { await n.start() }))
    return { seeds, nodes: others }
  }

  async destroy (): Promise<void> {
    await Promise.all(this.procs.map(async p => { await p.stop('SIGKILL') }))
    await rm(this.root, { recursive: true, force: true })
  }
}
