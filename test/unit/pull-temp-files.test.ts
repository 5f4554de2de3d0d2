import { describe, it, expect, afterEach } from 'vitest'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { PullTempFiles } from '../../src/images/swarm/pull-temp-files.js'
import { silentLogger } from '../../src/logging/logger.js'

describe('PullTempFiles (the temp files of pull --out, removed after a kill)', () => {
  let dir = ''
  let db: Database | undefined
  afterEach(async () => {
    await db?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('removes at start the recorded temp files, never a file of another name, forgets them all and names the pulls to write again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pull-temps-'))
    db = await openDatabase(dir)
    const out = join(dir, 'out')
    await mkdir(out)
    const stale = join(out, '.disk.raw.0123456789ab.tmp')
    const done = join(out, '.other.raw.ba9876543210.tmp')
    const foreign = join(out, 'disk.raw')
    for (const f of [stale, done, foreign]) await writeFile(f, 'x')
    const temps = new PullTempFiles(db, silentLogger)
    await temps.record(stale, 'disk@1', join(out, 'disk.raw'))
    await temps.record(done, 'other@1', join(out, 'other.raw'))
    await temps.record(foreign, 'disk@1', join(out, 'x.raw')) // not a temp file's name: kept whatever the record says
    await temps.record(join(out, '.gone.raw.aaaaaaaaaaaa.tmp'), 'gone@1', join(out, 'gone.raw')) // already removed: no error
    await temps.forget(done)
    const interrupted = await temps.removeStale()
    expect((await readdir(out)).sort()).toEqual(['.other.raw.ba9876543210.tmp', 'disk.raw'])
    // the pulls whose temp files these were, to be written again (not the forgotten one, not the foreign name)
    expect(interrupted.sort((a, b) => a.ref.localeCompare(b.ref))).toEqual([
      { ref: 'disk@1', out: join(out, 'disk.raw') },
      { ref: 'gone@1', out: join(out, 'gone.raw') }
    ])
    // nothing recorded any more: a second start removes nothing and resumes nothing
    await writeFile(stale, 'y')
    expect(await new PullTempFiles(db, silentLogger).removeStale()).toEqual([])
    expect((await readdir(out)).sort()).toEqual(['.disk.raw.0123456789ab.tmp', '.other.raw.ba9876543210.tmp', 'disk.raw'])
  })
})
