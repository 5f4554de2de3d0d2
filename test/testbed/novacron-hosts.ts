import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { novacronArgv, runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/wait-for.js'
import type { ExecResult, NetnsTestbed } from './netns-testbed.js'

const P2P_PORT = 4001
const API = '127.0.0.1:7600'

/**
 * A real `novacron` process on one testbed host (its data dir lives in a temp dir of the root filesystem), run with
 * the V8 flags the shipped program runs with (NODE_RUNTIME_FLAGS), as are the CLI commands run on the host.
 */
export class NovacronHost {
  child?: ChildProcess
  logs = ''

  constructor (readonly tb: NetnsTestbed, readonly host: number, readonly role: 'node' | 'bootstrap', readonly dataDir: string, readonly peerId: string) {}

  get addr (): string {
    return `/ip4/${this.tb.ip(this.host)}/tcp/${P2P_PORT}/p2p/${this.peerId}`
  }

  async start (): Promise<void> {
    this.logs = ''
    const child = this.tb.spawn(this.host, process.execPath, novacronArgv([this.role, 'start', '--data-dir', this.dataDir]))
    this.child = child
    child.stdout?.on('data', (d: Buffer) => { this.logs = (this.logs + d.toString()).slice(-200_000) })
    child.stderr?.on('data', (d: Buffer) => { this.logs = (this.logs + d.toString()).slice(-200_000) })
    await waitFor(async () => {
      if (child.exitCode != null) throw new Error(`exited ${child.exitCode}: ${this.logs}`)
      return (await this.cli(['status', '--json'], 10_000)).code === 0
    }, { timeoutMs: 60_000, intervalMs: 300, what: `novacron on host ${this.host}` })
  }

  /** `novacron ARGS --data-dir DIR` run inside this host's namespace. */
  async cli (args: string[], timeoutMs = 600_000): Promise<ExecResult> {
    return await this.tb.exec(this.host, process.execPath, novacronArgv([...args, '--data-dir', this.dataDir]), { timeoutMs })
  }

  async stop (): Promise<void> {
    const c = this.child
    if (c == null || c.exitCode != null || c.signalCode != null) return
    const exited = new Promise<void>(resolve => { c.once('exit', () => { resolve() }) })
    c.kill('SIGTERM')
    await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 10_000))])
    if (c.exitCode == null && c.signalCode == null) c.kill('SIGKILL')
  }
}

/** Data dirs and `novacron init` for the hosts of one testbed. */
export class NovacronHosts {
  private constructor (readonly tb: NetnsTestbed, readonly root: string, readonly secretFile: string) {}

  static async create (tb: NetnsTestbed): Promise<NovacronHosts> {
    const root = await mkdtemp(join(tmpdir(), 'novacron-testbed-'))
    const secretFile = join(root, 'cluster.secret')
    const r = await runCli(['secret', 'new', '--out', secretFile])
    if (r.code !== 0) throw new Error(`secret new: ${r.stderr}`)
    return new NovacronHosts(tb, root, secretFile)
  }

  async init (host: number, role: 'node' | 'bootstrap', bootstrap: string[] = []): Promise<NovacronHost> {
    const dataDir = join(this.root, `h${host}`)
    const r = await runCli(['init', '--data-dir', dataDir, '--secret-file', this.secretFile, '--listen', `/ip4/${this.tb.ip(host)}/tcp/${P2P_PORT}`,
      '--api', API, '--site', `h${host}`, '--json', ...bootstrap.flatMap(b => ['--bootstrap', b])])
    if (r.code !== 0) throw new Error(`init h${host}: ${r.stderr}`)
    const { peerId } = JSON.parse(r.stdout) as { peerId: string }
    return new NovacronHost(this.tb, host, role, dataDir, peerId)
  }

  async destroy (): Promise<void> {
    await rm(this.root, { recursive: true, force: true })
  }
}
