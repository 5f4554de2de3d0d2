import { execFile } from 'node:child_process'
import { mkdir, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { NetnsTestbed } from '../../test/testbed/netns-testbed.js'
import { waitFor } from '../../test/helpers/wait-for.js'

const run = promisify(execFile)
const SSH_PORT = 2222
const HTTP_PORT = 8000

/** A throwaway sshd inside a testbed host: generated host key, one authorized client key, all in `dir`. */
export async function startSshd (tb: NetnsTestbed, host: number, dir: string): Promise<{ sshCommand: string }> {
  await mkdir(dir, { recursive: true })
  await mkdir('/run/sshd', { recursive: true })
  const hostKey = join(dir, 'host_ed25519')
  const clientKey = join(dir, 'client_ed25519')
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey])
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey])
  const auth = join(dir, 'authorized_keys')
  await run('cp', [`${clientKey}.pub`, auth])
  await chmod(auth, 0o600)
  const config = join(dir, 'sshd_config')
  await writeFile(config, [
    `Port ${SSH_PORT}`, `ListenAddress ${tb.ip(host)}`, `HostKey ${hostKey}`, `AuthorizedKeysFile ${auth}`, `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no'
  ].join('\n') + '\n')
  tb.spawn(host, '/usr/sbin/sshd', ['-D', '-e', '-f', config])
  const sshCommand = `ssh -p ${SSH_PORT} -i ${clientKey} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes`
  await waitFor(async () => (await tb.exec(host, 'sh', ['-c', `${sshCommand} root@${tb.ip(host)} true`], { timeoutMs: 10_000 })).code === 0,
    { timeoutMs: 20_000, intervalMs: 300, what: 'sshd' })
  return { sshCommand }
}

/** `python3 -m http.server` serving `dir` from a testbed host. */
export async function startHttpServer (tb: NetnsTestbed, host: number, dir: string): Promise<string> {
  tb.spawn(host, 'python3', ['-m', 'http.server', String(HTTP_PORT), '--bind', tb.ip(host), '--directory', dir])
  const url = `http://${tb.ip(host)}:${HTTP_PORT}`
  await waitFor(async () => (await tb.exec(host, 'curl', ['-sf', '-o', '/dev/null', url + '/'], { timeoutMs: 5_000 })).code === 0,
    { timeoutMs: 20_000, intervalMs: 300, what: 'http.server' })
  return url
}

export interface Timed { seconds: number, rxBytes: number }

/** Run a shell command in a host; wall time and the bytes its link received meanwhile. */
export async function timed (tb: NetnsTestbed, host: number, cmd: string): Promise<Timed> {
  const rx0 = await tb.rxBytes(host)
  const t0 = performance.now()
  const r = await tb.exec(host, 'sh', ['-c', cmd], { timeoutMs: 1_800_000 })
  const seconds = (performance.now() - t0) / 1000
  if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}: ${r.stderr}`)
  return { seconds, rxBytes: await tb.rxBytes(host) - rx0 }
}
