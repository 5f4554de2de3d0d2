import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { NovacronNode } from '../../node/novacron-node.js'
import { initDataDir } from '../../src/config/init-data-dir.js'
import { loadConfig, saveConfig } from '../../src/config/load.js'
import type { MembershipConfig } from '../../src/membership/config.js'
import { encodeSecret, generateSecret } from '../../src/secret/cluster-secret.js'

/** Fast failure-detector timings for tests (a slow heartbeat, so anti-entropy is what spreads a joiner's view). */
export const FAST_MEMBERSHIP: MembershipConfig = {
  probeIntervalMs: 300,
  probeTimeoutMs: 150,
  indirectProbes: 2,
  suspectTimeoutMs: 1500,
  deadRetentionMs: 60_000,
  heartbeatMs: 120_000,
  syncIntervalMs: 120_000
}

/** In-process NovaCron nodes (real libp2p on 127.0.0.1/tcp/0, real LevelDB, real HTTP API) in one temp dir. */
export class MembershipCluster {
  readonly nodes: NovacronNode[] = []
  private constructor (readonly dir: string, readonly secretFile: string) {}

  static async create (): Promise<MembershipCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'novacron-membership-'))
    const secretFile = join(dir, 'cluster.secret')
    await writeFile(secretFile, encodeSecret(generateSecret()), { mode: 0o600 })
    return new MembershipCluster(dir, secretFile)
  }

  /** Init, open and start one node; the first node is every later node's bootstrap seed. */
  async add (opts: { site?: string, labels?: Record<string, string>, membership?: Partial<MembershipConfig> } = {}): Promise<NovacronNode> {
    const dataDir = join(this.dir, `n${this.nodes.length}`)
    const seed = this.nodes[0]
    await initDataDir({
      dataDir,
      secretFile: this.secretFile,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      api: { host: '127.0.0.1', port: 0 },
      site: opts.site ?? 'edge-1',
      labels: opts.labels,
      bootstrap: seed != null ? [seed.components.mesh.addresses()[0] ?? ''] : []
    })
    const config = await loadConfig(dataDir)
    config.sections.membership = { ...FAST_MEMBERSHIP, ...opts.membership }
    await saveConfig(dataDir, config)
    const node = await NovacronNode.open({ dataDir, role: 'node', out: new Writable({ write (_c, _e, cb) { cb() } }), connector: { fastIntervalMs: 300 } })
    await node.start()
    this.nodes.push(node)
    return node
  }

  async stopAll (): Promise<void> {
    await Promise.allSettled(this.nodes.map(async n => { await n.stop() }))
    await rm(this.dir, { recursive: true, force: true })
  }
}

export function livenessOf (observer: NovacronNode, subject: NovacronNode): string | undefined {
  return observer.membership.view.get(subject.components.identity.peerId.toString())?.liveness
}

/** Every node sees every node of `nodes` alive. */
export function allAlive (nodes: NovacronNode[]): boolean {
  return nodes.every(o => nodes.every(s => livenessOf(o, s) === 'alive'))
}
