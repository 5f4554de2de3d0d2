import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('novacron CLI: bad input gets a clear error and changes nothing', () => {
  let dir: string
  let secret: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'novacron-cli-'))
    secret = join(dir, 'secret')
    expect((await runCli(['secret', 'new', '--out', secret])).code).toBe(0)
  })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('prints help and version', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    for (const cmd of ['init', 'secret new', 'node start', 'bootstrap start', 'status', 'peers']) expect(help.stdout).toContain(cmd)
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    const sub = await runCli(['init', '--help'])
    expect(sub.code).toBe(0)
    expect(sub.stdout).toContain('--secret-file')
  })

  it.each([
    [['frobnicate'], 2, /unknown command/],
    [['status', '--bogus'], 2, /Unknown option '--bogus'/],
    [['peers', '--json=yes'], 2, /--json/],
    [['init'], 2, /--data-dir is required/],
    [['secret', 'new'], 2, /--out FILE is required/],
    [['peers', 'find'], 2, /expected 1 argument/],
    [['status', 'extra'], 2, /expected 0 argument/],
    [['status', '--api', 'not a url'], 2, /--api/]
  ])('%j exits %i', async (args, code, pattern) => {
    const r = await runCli(args)
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(pattern)
    expect(r.stdout).toBe('')
  })

  it.each([
    [['--listen', 'garbage'], /listen\[0\]/],
    [['--bootstrap', '/ip4/127.0.0.1/tcp/4001'], /bootstrap\[0\].*\/p2p/],
    [['--api', 'nowhere'], /--api/],
    [['--label', 'novalue'], /--label/],
    [['--site', 'has space'], /site/]
  ])('init %j is refused and creates nothing', async (extra, pattern) => {
    const dataDir = join(dir, 'refused')
    const r = await runCli(['init', '--data-dir', dataDir, '--secret-file', secret, ...extra])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(pattern)
    await expect(readdir(dataDir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('init refuses a missing or malformed secret file', async () => {
    const r1 = await runCli(['init', '--data-dir', join(dir, 'x'), '--secret-file', join(dir, 'none')])
    expect(r1.code).toBe(1)
    expect(r1.stderr).toContain('ERR_SECRET_MISSING')
    await writeFile(join(dir, 'bad-secret'), 'hello\n')
    const r2 = await runCli(['init', '--data-dir', join(dir, 'x'), '--secret-file', join(dir, 'bad-secret')])
    expect(r2.code).toBe(1)
    expect(r2.stderr).toContain('ERR_SECRET_FORMAT')
  })

  it('a node with a broken config does not start, and says which field of which file', async () => {
    const dataDir = join(dir, 'broken')
    expect((await runCli(['init', '--data-dir', dataDir, '--secret-file', secret, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'])).code).toBe(0)
    const file = join(dataDir, 'config.json')
    const cfg = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({ ...cfg, bootstrap: ['/dns4/x'] }))
    const r = await runCli(['node', 'start', '--data-dir', dataDir], { timeoutMs: 20_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(file)
    expect(r.stderr).toContain('bootstrap[0]')
    await expect(readFile(join(dataDir, 'api.url'))).rejects.toMatchObject({ code: 'ENOENT' })

    const missing = await runCli(['node', 'start', '--data-dir', join(dir, 'never-initialised')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('ERR_CONFIG_MISSING')
  })

  it('secret new never overwrites', async () => {
    const before = await readFile(secret, 'utf8')
    const r = await runCli(['secret', 'new', '--out', secret])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ERR_SECRET_EXISTS')
    expect(await readFile(secret, 'utf8')).toBe(before)
  })
})
