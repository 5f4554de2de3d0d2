import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestCluster, type NovacronProcess } from '../helpers/cluster.js'
import { freePort } from '../helpers/free-port.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Edge install from the release tarball: `npm run package`'s script builds it, it is unpacked into a fresh dir and
 * run with a PATH that holds no node and no npm, `novacron install --root STAGING` installs into a staging root
 * (its own /etc/passwd, so useradd runs for real without touching this machine), and the installed program joins
 * a test mesh of real processes.
 */
const PROJECT = fileURLToPath(new URL('../..', import.meta.url))
const PACKAGER = join(PROJECT, 'dist/node/package-release.js')
/** The only tools the unpacked release may find on PATH. */
const PATH_TOOLS = ['sh', 'readlink', 'dirname', 'useradd', 'usermod', 'userdel']

interface Result { code: number, stdout: string, stderr: string }

async function exec (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Result> {
  return await new Promise(resolve => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1, stdout, stderr })
    })
  })
}

describe('release tarball, novacron install, installed node joins the mesh', () => {
  let cluster: TestCluster
  let seed: NovacronProcess
  let node1: NovacronProcess
  let unpacked: string
  let staging: string
  let env: NodeJS.ProcessEnv
  let installed: ChildProcess | undefined
  let p2pPort: number
  let apiPort: number

  const novacron = async (args: string[]): Promise<Result> => await exec(join(unpacked, 'bin/novacron'), args, env)

  beforeAll(async () => {
    cluster = await TestCluster.create('novacron-install-')
    ;({ seeds: [seed], nodes: [node1] } = await cluster.startMesh({ bootstraps: 1, nodes: 1 }) as { seeds: [NovacronProcess], nodes: [NovacronProcess] })
    const out = join(cluster.root, 'release')
    const packed = await exec(process.execPath, [PACKAGER, '--out', out], process.env, 280_000)
    expect(packed.code, packed.stderr).toBe(0)
    const tarball = join(out, 'novacron-0.1.0-linux-x64.tar.gz')
    expect(existsSync(tarball)).toBe(true)
    const fresh = join(cluster.root, 'fresh')
    await mkdir(fresh)
    const untar = await exec('tar', ['-xzf', tarball, '-C', fresh], process.env)
    expect(untar.code, untar.stderr).toBe(0)
    unpacked = join(fresh, 'novacron-0.1.0-linux-x64')
    const pathDir = join(cluster.root, 'path')
    await mkdir(pathDir)
    for (const t of PATH_TOOLS) {
      const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map(d => join(d, t)).find(p => existsSync(p))
      if (found != null) await symlink(found, join(pathDir, t))
    }
    env = { PATH: pathDir, HOME: cluster.root, LANG: 'C' }
    // a staging root with its own user database (and systemd's own units, for systemd-analyze verify)
    staging = join(cluster.root, 'staging')
    await mkdir(join(staging, 'etc'), { recursive: true })
    await writeFile(join(staging, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
    await writeFile(join(staging, 'etc/group'), 'root:x:0:\nkvm:x:107:\nlibvirt:x:113:\n')
    await writeFile(join(staging, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 })
    await writeFile(join(staging, 'etc/gshadow'), 'root:*::\nkvm:!::\nlibvirt:!::\n', { mode: 0o600 })
    if (existsSync('/usr/lib/systemd/system')) await cp('/usr/lib/systemd/system', join(staging, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true })
    p2pPort = await freePort()
    apiPort = await freePort()
  }, 300_000)

  afterAll(async () => {
    installed?.kill('SIGKILL')
    await cluster?.destroy()
  })

  it('the unpacked release runs with no node and no npm on PATH', async () => {
    const which = await exec(join(env.PATH!, 'sh'), ['-c', 'command -v node || command -v npm || echo none'], env)
    expect(which.stdout.trim()).toBe('none')
    const v = await novacron(['--version'])
    expect(v.code, v.stderr).toBe(0)
    expect(v.stdout.trim()).toBe('0.1.0')
  })

  it('refuses a new install without the cluster secret and changes nothing', async () => {
    const r = await novacron(['install', '--root', staging])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--secret-file/)
    expect(existsSync(join(staging, 'opt/novacron'))).toBe(false)
    expect(existsSync(join(staging, 'var/lib/novacron'))).toBe(false)
  })

  it('installs: system user in the hypervisor groups, data dir and config, program, hardened unit', async () => {
    const r = await novacron(['install', '--root', staging, '--secret-file', cluster.secretFile, '--bootstrap', seed.addr,
      '--listen', `/ip4/127.0.0.1/tcp/${p2pPort}`, '--api', `127.0.0.1:${apiPort}`, '--site', 'edge-1', '--label', 'rack=r1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ user: 'created', dataDir: 'created', service: 'not started' })
    expect(await readFile(join(staging, 'etc/passwd'), 'utf8')).toMatch(/^novacron:x:\d+:\d+:[^:]*:\/var\/lib\/novacron:\/usr\/sbin\/nologin$/m)
    const groups = await readFile(join(staging, 'etc/group'), 'utf8')
    expect(groups).toMatch(/^libvirt:x:113:novacron$/m)
    expect(groups).toMatch(/^kvm:x:107:novacron$/m)
    const config = JSON.parse(await readFile(join(staging, 'var/lib/novacron/config.json'), 'utf8')) as { bootstrap: string[], site: string, labels: Record<string, string> }
    expect(config).toMatchObject({ bootstrap: [seed.addr], site: 'edge-1', labels: { rack: 'r1' } })
    expect(await readlink(join(staging, 'usr/local/bin/novacron'))).toBe('../../../opt/novacron/current/bin/novacron')
    expect(await readlink(join(staging, 'opt/novacron/current'))).toBe('releases/0.1.0')
    const unit = await readFile(join(staging, 'etc/systemd/system/novacron.service'), 'utf8')
    for (const line of ['User=novacron', 'SupplementaryGroups=libvirt kvm', 'ExecStart=/opt/novacron/current/bin/novacron node start --data-dir /var/lib/novacron',
      'Restart=on-failure', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/novacron', 'ProtectHome=yes', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=']) {
      expect(unit.split('\n')).toContain(line)
    }
  })

  it('writes a unit that systemd-analyze verifies without a warning', async (ctx) => {
    if (!existsSync('/usr/bin/systemd-analyze')) ctx.skip()
    const r = await exec('/usr/bin/systemd-analyze', [`--root=${staging}`, '--man=no', 'verify', 'novacron.service'], process.env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr + r.stdout).toBe('')
  })

  it('the installed program starts a node that joins the test mesh', async () => {
    let logs = ''
    const child = spawn(join(staging, 'usr/local/bin/novacron'), ['node', 'start', '--data-dir', join(staging, 'var/lib/novacron')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    installed = child
    child.stdout?.on('data', (d: Buffer) => { logs += d.toString() })
    child.stderr?.on('data', (d: Buffer) => { logs += d.toString() })
    child.once('error', err => { logs += `spawn error: ${err.message}` })
    const api = `http://127.0.0.1:${apiPort}`
    await waitFor(async () => {
      if (child.exitCode != null) throw new Error(`installed node exited ${child.exitCode}: ${logs.slice(-1000)}`)
      const peers = await (await fetch(`${api}/api/v1/peers`)).json() as Array<{ peerId: string, connected: boolean }>
      const connected = new Set(peers.filter(p => p.connected).map(p => p.peerId))
      return connected.has(seed.peerId) && connected.has(node1.peerId)
    }, { timeoutMs: 45_000, what: 'installed node to join the mesh' }).catch((err: Error) => { throw new Error(`${err.message}\nlogs: ${logs.slice(-1500)}`) })
    // and the mesh sees it
    const status = await (await fetch(`${api}/api/v1/status`)).json() as { peerId: string, site: string }
    expect(status.site).toBe('edge-1')
    await waitFor(async () => (await node1.connectedPeerIds()).has(status.peerId), { timeoutMs: 30_000, what: 'node1 to see the installed node' })
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    installed = undefined
  })

  it('an upgrade replaces the program and keeps the data dir', async () => {
    const key = await readFile(join(staging, 'var/lib/novacron/peer.key'))
    const config = await readFile(join(staging, 'var/lib/novacron/config.json'), 'utf8')
    await writeFile(join(staging, 'opt/novacron/current/marker-of-old-program'), 'old')
    const r = await novacron(['install', '--root', staging, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ user: 'existed', dataDir: 'kept' })
    expect(existsSync(join(staging, 'opt/novacron/current/marker-of-old-program'))).toBe(false)
    expect(existsSync(join(staging, 'opt/novacron/current/bin/node'))).toBe(true)
    expect(await readFile(join(staging, 'var/lib/novacron/peer.key'))).toEqual(key)
    expect(await readFile(join(staging, 'var/lib/novacron/config.json'), 'utf8')).toBe(config)
  })

  it('uninstall removes service and program but keeps data; --purge removes data and user', async () => {
    const r = await novacron(['uninstall', '--root', staging])
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(staging, 'etc/systemd/system/novacron.service'))).toBe(false)
    expect(existsSync(join(staging, 'opt/novacron'))).toBe(false)
    expect(existsSync(join(staging, 'usr/local/bin/novacron'))).toBe(false)
    expect(existsSync(join(staging, 'var/lib/novacron/peer.key'))).toBe(true)
    expect(await readFile(join(staging, 'etc/passwd'), 'utf8')).toMatch(/^novacron:/m)
    const purge = await novacron(['uninstall', '--root', staging, '--purge'])
    expect(purge.code, purge.stderr).toBe(0)
    expect(existsSync(join(staging, 'var/lib/novacron'))).toBe(false)
    expect(await readFile(join(staging, 'etc/passwd'), 'utf8')).not.toMatch(/^novacron:/m)
  })
})
