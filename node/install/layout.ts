import { join } from 'node:path'

/** Default data dir of an installed node. */
export const DEFAULT_INSTALL_DATA_DIR = '/var/lib/novacron'
/** Where releases are unpacked: `<dir>/releases/<version>`, with `<dir>/current` pointing at the active one. */
export const DEFAULT_PROGRAM_DIR = '/opt/novacron'
/** The launcher on PATH (a symlink to `<program dir>/current/bin/novacron`). */
export const BIN_LINK = '/usr/local/bin/novacron'
export const UNIT_DIR = '/etc/systemd/system'
export const DEFAULT_USER = 'novacron'
/** Releases kept besides the active one (for a rollback by hand). */
export const KEEP_PREVIOUS_RELEASES = 1

/** Paths of one installation; `root` is `/` on a real machine, a staging dir in tests. */
export interface InstallLayout {
  root: string
  /** Paths as the installed system sees them. */
  dataDir: string
  programDir: string
  /** The same paths on this machine (under root). */
  hostDataDir: string
  hostProgramDir: string
  hostReleases: string
  hostCurrent: string
  hostBinLink: string
  hostUnit: string
  /** ExecStart's launcher, as the installed system sees it. */
  execPath: string
}

export function installLayout (root: string, dataDir = DEFAULT_INSTALL_DATA_DIR, programDir = DEFAULT_PROGRAM_DIR): InstallLayout {
  const under = (p: string): string => join(root, p)
  return {
    root,
    dataDir,
    programDir,
    hostDataDir: under(dataDir),
    hostProgramDir: under(programDir),
    hostReleases: under(join(programDir, 'releases')),
    hostCurrent: under(join(programDir, 'current')),
    hostBinLink: under(BIN_LINK),
    hostUnit: under(join(UNIT_DIR, 'novacron.service')),
    execPath: join(programDir, 'current', 'bin', 'novacron')
  }
}
