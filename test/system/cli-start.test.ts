import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI } from '../helpers/cli.js'
import { freePort } from '../helpers/free-port.js'

/** Records the URL of every module the process resolves, written to $MODULES_OUT when it exits. */
const RECORDER = `
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
const seen = new Set()
registerHooks({ resolve (specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r } })
process.on('exit', () => { writeFileSync(process.env.MODULES_OUT, [...seen].join('\\n')) })
`

/**
 * Client commands are what operators type all day, and what a fleet's scripts run by the dozen at once: they load
 * the CLI and its HTTP client, not libp2p, the config validators or the peer-key code (which the daemon, `init` and
 * `id` load when they run).
 */
describe('client commands start light', () => {
  let dir: string
  let dataDir: string
  let runs = 0
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-start-'))
    await writeFile(join(dir, 'recorder.mjs'), RECORDER)
    // a node that is not running: the command resolves its API address, fails to connect and exits
    dataDir = join(dir, 'data')
    await mkdir(dataDir)
    await writeFile(join(dataDir, 'api.url'), `http://127.0.0.1:${await freePort()}\n`)
  })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  async function modulesOf (args: string[]): Promise<{ stderr: string, modules: string[] }> {
    const out = join(dir, `modules-${++runs}.txt`)
    const stderr = await new Promise<string>(resolve => {
      execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'recorder.mjs')).href, CLI, ...args], { env: { ...process.env, MODULES_OUT: out }, timeout: 30_000 }, (_err, _stdout, stderr) => { resolve(stderr) })
    })
    return { stderr, modules: (await readFile(out, 'utf8')).split('\n') }
  }

  for (const args of [['image', 'pull', 'disk@1'], ['image', 'list'], ['status'], ['vm', 'list'], ['cluster']]) {
    it(`novacron ${args.join(' ')} loads no third-party module`, async () => {
      const { stderr, modules } = await modulesOf([...args, '--data-dir', dataDir])
      expect(stderr).toContain('unreachable')
      expect(modules.some(m => m.endsWith('/node/cli-main.js'))).toBe(true)
      expect(modules.filter(m => m.includes('/node_modules/'))).toEqual([])
    })
  }

  it('init still loads what it needs when it runs', async () => {
    const { modules } = await modulesOf(['init', '--data-dir', join(dir, 'new'), '--secret-file', join(dir, 'no-such-secret')])
    expect(modules.some(m => m.includes('/node_modules/@libp2p/peer-id/'))).toBe(true)
  })
})
