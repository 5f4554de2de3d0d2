import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NetnsTestbed } from './netns-testbed.js'
import { NovacronHosts, type NovacronHost } from './novacron-hosts.js'
import { seedImage } from '../helpers/image-seed.js'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.js'
import { writeRealisticDisk, type WrittenDisk } from '../../benchmarks/lib/realistic-disk.js'

const canNetns = ((): boolean => {
  try {
    return process.getuid?.() === 0 && execFileSync('ip', ['netns', 'list']) != null
  } catch {
    return false
  }
})()

describe.skipIf(!canNetns)('network-namespace test bed', () => {
  let tb: NetnsTestbed
  let hosts: NovacronHosts
  let disk: WrittenDisk
  const procs: NovacronHost[] = []

  beforeAll(async () => {
    // host 2's downlink is shaped to 200 Mbit/s; the others are unshaped
    tb = await NetnsTestbed.create(3, h => h === 2 ? { downMbit: 200 } : {})
    hosts = await NovacronHosts.create(tb)
  })

  afterAll(async () => {
    for (const p of procs) await p.stop()
    await tb?.destroy()
    await hosts?.destroy()
    const left = execFileSync('ip', ['netns', 'list']).toString()
    expect(left).not.toContain(tb.id)
  })

  it('joins hosts through the bridge, isolated from the root namespace, with tbf on shaped links', async () => {
    const ping = await tb.exec(0, 'busybox', ['ping', '-c', '1', '-W', '2', tb.ip(2)])
    expect(ping.code, ping.stderr).toBe(0)
    const qdisc = execFileSync('ip', ['netns', 'exec', `${tb.id}-sw`, 'tc', 'qdisc', 'show', 'dev', 'p2']).toString()
    expect(qdisc).toMatch(/tbf .*rate 200Mbit/)
    const rootAddrs = execFileSync('ip', ['-4', 'addr', 'show']).toString()
    expect(rootAddrs).not.toContain(tb.ip(0))
  })

  it('runs a real novacron node per host, with the program\'s V8 flags: a pull across the bed gives a byte-identical disk', async () => {
    disk = await writeRealisticDisk(join(hosts.root, 'disk.raw'), { sizeBytes: 32 * 1024 * 1024 })
    const boot = await hosts.init(0, 'bootstrap')
    const seeder = await hosts.init(1, 'node', [boot.addr])
    const receiver = await hosts.init(2, 'node', [boot.addr])
    await seedImage(seeder.dataDir, disk.path, 'tiny', '1')
    for (const p of [boot, seeder, receiver]) {
      procs.push(p)
      await p.start()
    }
    // each daemon runs as the shipped program does, with its V8 flags (`ip netns exec` execs it in place)
    for (const p of procs) {
      const argv = (await readFile(`/proc/${p.child!.pid!}/cmdline`, 'utf8')).split('\0')
      expect(argv).toEqual(expect.arrayContaining([...NODE_RUNTIME_FLAGS, 'start']))
    }
    const rxBefore = await tb.rxBytes(2)
    const out = join(hosts.root, 'pulled.raw')
    const r = await receiver.cli(['image', 'pull', 'tiny@1', '--out', out, '--json'])
    expect(r.code, r.stderr + receiver.logs.slice(-2000)).toBe(0)
    expect(createHash('sha256').update(await readFile(out)).digest('hex')).toBe(disk.sha256)
    // the chunks crossed host 2's link (not a shortcut through the shared filesystem)
    const p = JSON.parse(r.stdout) as { wireBytes: number }
    expect(await tb.rxBytes(2) - rxBefore).toBeGreaterThanOrEqual(p.wireBytes)
  })
})
