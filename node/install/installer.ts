import { existsSync } from 'node:fs'
import { cp, mkdir, readdir, readlink, realpath, rename, rm, stat, symlink } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { randomBytes } from 'node:crypto'
import { initDataDir, type InitOptions } from '../../src/config/init-data-dir.js'
import { DATA_DIR_FILES } from '../../src/constants.js'
import { NovacronError } from '../../src/errors.js'
import { writeFileAtomic } from '../../src/storage/atomic-file.js'
import { KEEP_PREVIOUS_RELEASES, UNIT_DIR, type InstallLayout } from './layout.js'
import { renderUnit } from './systemd-unit.js'
import { chownTree, existingGroups, findUser, type SystemOps } from './system-ops.js'

/** Groups that grant access to the hypervisor, added to the service user where they exist. */
export const HYPERVISOR_GROUPS = ['libvirt', 'kvm']

export class InstallError extends NovacronError {
  override name = 'InstallError'
}

export interface InstallOptions {
  layout: InstallLayout
  /** The unpacked release being installed: holds bin/novacron, bin/node and dist/. */
  programHome: string
  version: string
  user: string
  /** How to initialise a data dir that holds no node yet (ignored when it does: upgrades keep it). */
  init?: Omit<InitOptions, 'dataDir'>
  /** What the service runs. @default 'node' */
  role?: 'node' | 'bootstrap'
  /** Enable and start (or restart, on upgrade) the service when systemd runs here. */
  start: boolean
  ops: SystemOps
  log: (line: string) => void
}

export interface InstallReport {
  user: 'created' | 'existed' | 'skipped'
  dataDir: 'created' | 'kept'
  peerId?: string
  release: string
  unit: string
  service: 'started' | 'restarted' | 'not started'
}

/** Is there a node in this data dir already (an upgrade or re-install)? */
export function dataDirHoldsNode (hostDataDir: string): boolean {
  return existsSync(join(hostDataDir, DATA_DIR_FILES.config)) || existsSync(join(hostDataDir, DATA_DIR_FILES.peerKey))
}

/**
 * Install or upgrade: system user, program (a new release dir, switched to atomically), data dir (created once,
 * kept on upgrades), systemd unit. Checks everything it can before changing anything.
 */
export async function install (opts: InstallOptions): Promise<InstallReport> {
  const { layout, programHome, version, ops, log } = opts
  for (const f of ['bin/novacron', 'bin/node', 'dist/node/cli.js']) {
    if (!existsSync(join(programHome, f))) {
      throw new InstallError(`${programHome} is not an unpacked release (no ${f}); build one with \`npm run package\``, 'ERR_NOT_A_RELEASE')
    }
  }
  const upgrade = dataDirHoldsNode(layout.hostDataDir)
  if (!upgrade && opts.init?.secretFile == null) {
    throw new InstallError('a new install needs the cluster secret: --secret-file FILE', 'ERR_SECRET_REQUIRED')
  }
  const user = await ensureUser(opts)
  const release = await installProgram(layout, programHome, version, log)
  let peerId: string | undefined
  if (upgrade) {
    log(`kept the data dir ${layout.dataDir} (it already holds a node)`)
  } else {
    const result = await initDataDir({ ...(opts.init as InitOptions), dataDir: layout.hostDataDir })
    peerId = result.peerId
    log(`created the data dir ${layout.dataDir} (peer ID ${peerId})`)
  }
  const entry = await findUser(layout.root, opts.user)
  if (entry != null) await chownTree(layout.hostDataDir, entry.uid, entry.gid)
  const groups = await existingGroups(layout.root, HYPERVISOR_GROUPS)
  await writeFileAtomic(layout.hostUnit, renderUnit({ execPath: layout.execPath, dataDir: layout.dataDir, user: opts.user, groups, role: opts.role }), 0o644)
  log(`wrote ${join(UNIT_DIR, 'novacron.service')}`)
  let service: InstallReport['service'] = 'not started'
  if (layout.root === '/' && ops.systemdRunning()) {
    await must(ops, 'systemctl', ['daemon-reload'])
    if (opts.start) {
      await must(ops, 'systemctl', upgrade ? ['try-restart', 'novacron.service'] : ['enable', '--now', 'novacron.service'])
      service = upgrade ? 'restarted' : 'started'
    }
  } else {
    log(layout.root === '/'
      ? 'systemd is not running here: start the node with `systemctl enable --now novacron` on a systemd host, or `novacron node start`'
      : `staged under ${layout.root}: nothing was started`)
  }
  return { user, dataDir: upgrade ? 'kept' : 'created', peerId, release, unit: layout.hostUnit, service }
}

async function must (ops: SystemOps, cmd: string, args: string[]): Promise<void> {
  const r = await ops.run(cmd, args)
  if (r.code !== 0) throw new InstallError(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`, 'ERR_SYSTEM_COMMAND')
}

/** Create the system user (in the hypervisor groups that exist), or add those groups to an existing one. */
async function ensureUser ({ layout, user, ops, log }: InstallOptions): Promise<InstallReport['user']> {
  const rootArgs = layout.root === '/' ? [] : ['--root', layout.root]
  if (layout.root !== '/' && !existsSync(join(layout.root, 'etc/passwd'))) {
    log(`no ${join(layout.root, 'etc/passwd')}: not creating the user ${user} in the staging root`)
    return 'skipped'
  }
  const groups = await existingGroups(layout.root, HYPERVISOR_GROUPS)
  const groupArgs = groups.length > 0 ? ['--groups', groups.join(',')] : []
  if (await findUser(layout.root, user) != null) {
    if (groups.length > 0) await must(ops, 'usermod', [...rootArgs, '--append', ...groupArgs, user])
    return 'existed'
  }
  await must(ops, 'useradd', [...rootArgs, '--system', '--user-group', '--home-dir', layout.dataDir, '--no-create-home',
    '--shell', '/usr/sbin/nologin', '--comment', 'NovaCron Mesh node', ...groupArgs, user])
  log(`created the system user ${user}${groups.length > 0 ? ` (groups ${groups.join(', ')})` : ''}`)
  return 'created'
}

/** Copy the release to releases/<version>, point `current` at it atomically, link the launcher, prune old releases. */
async function installProgram (layout: InstallLayout, programHome: string, version: string, log: (line: string) => void): Promise<string> {
  const target = join(layout.hostReleases, version)
  await mkdir(layout.hostReleases, { recursive: true })
  const same = existsSync(target) && await realpath(target) === await realpath(programHome)
  if (!same) {
    const tmp = `${target}.tmp-${randomBytes(4).toString('hex')}`
    await cp(programHome, tmp, { recursive: true, verbatimSymlinks: true })
    if (existsSync(target)) {
      const old = `${target}.old-${randomBytes(4).toString('hex')}`
      await rename(target, old)
      await rename(tmp, target)
      await rm(old, { recursive: true, force: true })
    } else {
      await rename(tmp, target)
    }
  }
  await replaceSymlink(join('releases', version), layout.hostCurrent)
  await mkdir(dirname(layout.hostBinLink), { recursive: true })
  await replaceSymlink(relative(dirname(layout.hostBinLink), join(layout.hostCurrent, 'bin', 'novacron')), layout.hostBinLink)
  log(`installed release ${version} in ${join(layout.programDir, 'releases', version)}`)
  // keep the active release and the newest previous ones
  const all = (await readdir(layout.hostReleases, { withFileTypes: true })).filter(e => e.isDirectory() && e.name !== version)
  const aged = await Promise.all(all.map(async e => ({ name: e.name, mtime: (await stat(join(layout.hostReleases, e.name))).mtimeMs })))
  const leftovers = aged.filter(a => /\.(tmp|old)-[0-9a-f]+$/.test(a.name))
  const sorted = aged.filter(a => !leftovers.includes(a)).sort((a, b) => b.mtime - a.mtime)
  for (const old of [...leftovers, ...sorted.slice(KEEP_PREVIOUS_RELEASES)]) await rm(join(layout.hostReleases, old.name), { recursive: true, force: true })
  return target
}

/** Point `link` at `target` atomically (new link beside it, renamed over the old one). */
async function replaceSymlink (target: string, link: string): Promise<void> {
  const tmp = `${link}.tmp-${randomBytes(4).toString('hex')}`
  await symlink(target, tmp)
  await rename(tmp, link)
}

export interface UninstallOptions {
  layout: InstallLayout
  user: string
  purge: boolean
  ops: SystemOps
  log: (line: string) => void
}

/** Stop and remove the service and the program; the data dir and the user stay unless `purge`. */
export async function uninstall ({ layout, user, purge, ops, log }: UninstallOptions): Promise<void> {
  if (layout.root === '/' && ops.systemdRunning() && existsSync(layout.hostUnit)) {
    await must(ops, 'systemctl', ['disable', '--now', 'novacron.service'])
  }
  await rm(layout.hostUnit, { force: true })
  if (layout.root === '/' && ops.systemdRunning()) await must(ops, 'systemctl', ['daemon-reload'])
  const link = await readlink(layout.hostBinLink).catch(() => undefined)
  if (link != null && link.endsWith(join('current', 'bin', 'novacron'))) await rm(layout.hostBinLink, { force: true })
  await rm(layout.hostProgramDir, { recursive: true, force: true })
  log(`removed the service and ${layout.programDir}`)
  if (!purge) {
    log(`kept the data dir ${layout.dataDir} and the user ${user} (remove them with --purge)`)
    return
  }
  await rm(layout.hostDataDir, { recursive: true, force: true })
  if (await findUser(layout.root, user) != null) {
    await must(ops, 'userdel', [...(layout.root === '/' ? [] : ['--root', layout.root]), user])
  }
  log(`purged the data dir ${layout.dataDir} and the user ${user}`)
}
