import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { initDataDir } from '../../src/config/init-data-dir.js'
import { parseConfig } from '../../src/config/schema.js'
import { FieldProblem, parseHostPort, parseLabelFlag } from '../../src/config/fields.js'
import { loadIdentity } from '../../src/identity/identity.js'
import { clusterPrologue, decodeSecret, readSecret, writeNewSecret } from '../../src/secret/cluster-secret.js'
import { VERSION } from '../../src/constants.js'

describe('config', () => {
  let dir: string
  let secretFile: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'novacron-config-'))
    secretFile = join(dir, 'secret')
    await writeNewSecret(secretFile)
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  const base = { version: 1, site: 'edge-1' }

  it('fills defaults for a minimal config', () => {
    const c = parseConfig(base)
    expect(c.api).toEqual({ host: '127.0.0.1', port: 7600 })
    expect(c.listen).toEqual(['/ip4/0.0.0.0/tcp/4001'])
    expect(c.bootstrap).toEqual([])
    expect(c.connections.max).toBe(128)
  })

  it.each([
    [{ ...base, version: 2 }, 'version'],
    [{ version: 1 }, 'site'],
    [{ ...base, site: 'no spaces' }, 'site'],
    [{ ...base, listen: ['not-a-multiaddr'] }, 'listen[0]'],
    [{ ...base, listen: '/ip4/1.2.3.4/tcp/1' }, 'listen'],
    [{ ...base, bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, 'bootstrap[0]'],
    [{ ...base, api: { port: 70000 } }, 'api.port'],
    [{ ...base, api: { port: '7600' } }, 'api.port'],
    [{ ...base, api: { hots: 'x' } }, 'api.hots'],
    [{ ...base, labels: { 'Bad Key': 'x' } }, 'labels.Bad Key'],
    [{ ...base, connections: { max: 1 } }, 'connections.max'],
    [{ ...base, logLevel: 'loud' }, 'logLevel'],
    [{ ...base, sitee: 'typo' }, 'sitee']
  ])('names the bad field: %j → %s', (raw, field) => {
    let caught: unknown
    try { parseConfig(raw) } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(FieldProblem)
    expect((caught as FieldProblem).field).toBe(field)
  })

  it('init writes a loadable config, a 0600 key and secret, and refuses to run twice', async () => {
    const dataDir = join(dir, 'node')
    const r = await initDataDir({ dataDir, secretFile, site: 'edge-1', labels: { rack: 'r1' }, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const config = await loadConfig(dataDir)
    expect(config.site).toBe('edge-1')
    expect(config.labels).toEqual({ rack: 'r1' })
    expect((await loadIdentity(dataDir)).peerId.toString()).toBe(r.peerId)
    expect((await stat(join(dataDir, 'peer.key'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dataDir, 'cluster.secret'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dataDir, 'api.token'))).mode & 0o777).toBe(0o600)
    expect(await readSecret(join(dataDir, 'cluster.secret'))).toEqual(await readSecret(secretFile))
    const keyBefore = await readFile(join(dataDir, 'peer.key'))
    await expect(initDataDir({ dataDir, secretFile })).rejects.toMatchObject({ code: 'ERR_DATA_DIR_EXISTS' })
    expect(await readFile(join(dataDir, 'peer.key'))).toEqual(keyBefore)
  })

  it('init with a bad field writes nothing', async () => {
    const dataDir = join(dir, 'bad')
    await expect(initDataDir({ dataDir, secretFile, bootstrap: ['/ip4/1.2.3.4/tcp/1'] })).rejects.toMatchObject({ name: 'ConfigError', field: 'bootstrap[0]' })
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('loading names the file and the field; missing and non-JSON files have their own codes', async () => {
    const dataDir = join(dir, 'n')
    await initDataDir({ dataDir, secretFile })
    const file = join(dataDir, 'config.json')
    const raw = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({ ...raw, api: { host: '127.0.0.1', port: -1 } }))
    await expect(loadConfig(dataDir)).rejects.toMatchObject({ name: 'ConfigError', code: 'ERR_INVALID_CONFIG', field: 'api.port', file })
    await writeFile(file, '{ not json')
    await expect(loadConfig(dataDir)).rejects.toMatchObject({ code: 'ERR_CONFIG_SYNTAX', file })
    await expect(loadConfig(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'ERR_CONFIG_MISSING' })
  })

  it('parses CLI label and HOST:PORT forms', () => {
    expect(parseLabelFlag('--label', 'zone=a1')).toEqual(['zone', 'a1'])
    expect(() => parseLabelFlag('--label', 'novalue')).toThrow(FieldProblem)
    expect(parseHostPort('--api', '[::1]:80')).toEqual({ host: '::1', port: 80 })
    expect(() => parseHostPort('--api', 'localhost')).toThrow(FieldProblem)
    expect(() => parseHostPort('--api', 'localhost:99999')).toThrow(FieldProblem)
  })
})

describe('cluster secret', () => {
  it('refuses malformed files and never overwrites an existing secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novacron-secret-'))
    try {
      expect(() => decodeSecret('hello', 'f')).toThrow(expect.objectContaining({ code: 'ERR_SECRET_FORMAT' }))
      expect(() => decodeSecret('/novacron/cluster-secret/1\nabc', 'f')).toThrow(expect.objectContaining({ code: 'ERR_SECRET_FORMAT' }))
      const f = join(dir, 's')
      await writeNewSecret(f)
      const before = await readFile(f, 'utf8')
      await expect(writeNewSecret(f)).rejects.toMatchObject({ code: 'ERR_SECRET_EXISTS' })
      expect(await readFile(f, 'utf8')).toBe(before)
      expect((await stat(f)).mode & 0o777).toBe(0o600)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('derives different prologues from different secrets and the same from the same', () => {
    const a = new Uint8Array(32).fill(1)
    const b = new Uint8Array(32).fill(2)
    expect(Buffer.from(clusterPrologue(a)).equals(Buffer.from(clusterPrologue(a)))).toBe(true)
    expect(Buffer.from(clusterPrologue(a)).equals(Buffer.from(clusterPrologue(b)))).toBe(false)
  })
})

describe('version', () => {
  it('matches package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(VERSION).toBe(pkg.version)
  })
})
