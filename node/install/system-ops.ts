import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { lchown, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface RunResult { code: number, stdout: string, stderr: string }

/** What the installer does to the system outside files: users and systemd. Replaced in tests. */
export interface SystemOps {
  run(cmd: string, args: string[]): Promise<RunResult>
  /** Whether systemd is PID 1 here (so systemctl can enable and start units). */
  systemdRunning(): boolean
}

/** Most time one external command (useradd, systemctl) may take. */
const COMMAND_TIMEOUT_MS = 60_000

export const realSystemOps: SystemOps = {
  async run (cmd, args) {
    return await new Promise(resolve => {
      execFile(cmd, args, { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
        const code = err == null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127
        resolve({ code, stdout, stderr: stderr !== '' ? stderr : (err?.message ?? '') })
      })
    })
  },
  systemdRunning () {
    return existsSync('/run/systemd/system')
  }
}

export interface PasswdEntry { name: string, uid: number, gid: number }

/** The user `name` in `<root>/etc/passwd`, if any. */
export async function findUser (root: string, name: string): Promise<PasswdEntry | undefined> {
  const text = await readFile(join(root, 'etc/passwd'), 'utf8').catch(() => '')
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) }
  }
  return undefined
}

/** Which of `names` are groups in `<root>/etc/group`. */
export async function existingGroups (root: string, names: string[]): Promise<string[]> {
  const text = await readFile(join(root, 'etc/group'), 'utf8').catch(() => '')
  const present = new Set(text.split('\n').map(l => l.split(':')[0]))
  return names.filter(n => present.has(n))
}

/** chown -R without following symlinks (bounded by the tree; no external chown needed). */
export async function chownTree (path: string, uid: number, gid: number): Promise<void> {
  await lchown(path, uid, gid)
  const entries = await readdir(path, { withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    const p = join(path, e.name)
    if (e.isDirectory()) await chownTree(p, uid, gid)
    else await lchown(p, uid, gid)
  }
}
