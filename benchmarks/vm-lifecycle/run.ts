/**
 * VM lifecycle through NovaCron vs plain virsh, same guest, same host, same run:
 * create → call returns, create → first counter write on the guest's disk (boot), graceful stop, delete,
 * and node restart (SIGKILL) → running VM re-adopted and listed.
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/vm-lifecycle/run.js [--runs 3]
 *
 * Needs root, libvirtd + virtlogd running (qemu:///system), qemu-utils, e2fsprogs, apt access once (kernel).
 * Writes benchmarks/vm-lifecycle/results.json and results.md.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { runCli } from '../../test/helpers/cli.js'
import { freePort } from '../../test/helpers/free-port.js'
import { waitFor } from '../../test/helpers/wait-for.js'
import { ensureTinyGuest, makeCounterDisk, readCounter, type TinyGuest } from '../../test/fixtures/tiny-guest/build-guest.js'
import { VmNodeProcess, ensureLibvirtd, virsh } from '../../test/fixtures/tiny-guest/vm-node-process.js'
import { buildDomainXml } from '../../src/vms/domain-xml.js'
import { chooseDomainType } from '../../src/vms/libvirt-hypervisor.js'
import { parseCreateVm } from '../../src/vms/spec.js'
import type { VmView } from '../../src/vms/view.js'
import { median } from '../lib/median.js'

const run = promisify(execFile)
const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/vm-lifecycle/', import.meta.url))
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } }, strict: true })
const RUNS = Number(values.runs)
const BOOT_MS = 300_000
const since = (t0: number): number => Math.round(performance.now() - t0)

const unreachable = await ensureLibvirtd()
if (unreachable != null) throw new Error(unreachable)
const guest: TinyGuest = await ensureTinyGuest()
const root = await mkdtemp('/var/tmp/novacron-vmbench-')
await chmod(root, 0o755)
const names: string[] = []
const samples: Record<string, number[]> = {
  novaCreateMs: [], virshCreateMs: [], novaBootMs: [], virshBootMs: [], novaStopMs: [], virshStopMs: [],
  novaDeleteMs: [], virshDeleteMs: [], nodeStartEmptyMs: [], nodeStartAdoptMs: [], novaCliStartMs: [], virshCliStartMs: []
}

async function firstWrite (disk: string, t0: number): Promise<number> {
  return await waitFor(async () => ((await readCounter(disk, root)) ?? 0) >= 1 ? since(t0) : 0, { timeoutMs: BOOT_MS, intervalMs: 250, what: 'first counter write' })
}

async function shutOff (name: string): Promise<void> {
  await waitFor(async () => await virsh(['domstate', name]) === 'shut off', { timeoutMs: 120_000, intervalMs: 100, what: `${name} shut off` })
}

let node: VmNodeProcess | undefined
try {
  // one node with the guest image in its chunk store
  const images = join(root, 'images')
  await mkdir(images, { mode: 0o755 })
  await makeCounterDisk(join(images, 'tiny.raw'))
  const secret = join(root, 'cluster.secret')
  await runCli(['secret', 'new', '--out', secret])
  const dataDir = join(root, 'node')
  const apiPort = await freePort()
  await runCli(['init', '--data-dir', dataDir, '--secret-file', secret, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', `127.0.0.1:${apiPort}`])
  await chmod(dataDir, 0o755)
  node = new VmNodeProcess(dataDir, `http://127.0.0.1:${apiPort}`)
  let t0 = performance.now()
  await node.start()
  samples.nodeStartEmptyMs!.push(since(t0))
  const added = await runCli(['image', 'add', join(images, 'tiny.raw'), '--name', 'tiny', '--data-dir', dataDir], { timeoutMs: 120_000 })
  if (added.code !== 0) throw new Error(added.stderr)
  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli([...args, '--data-dir', dataDir, '--json'], { timeoutMs: 120_000 })
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const domainType = await chooseDomainType('qemu:///system', 'auto')

  for (let i = 0; i < RUNS; i++) {
    // NovaCron: novacron vm create (materialise base on first use, overlay, define, start) as a CLI process
    const nova = `nvb-${randomBytes(3).toString('hex')}`
    names.push(nova)
    t0 = performance.now()
    const vm = JSON.parse(await cli('vm', 'create', '--name', nova, '--image', 'tiny', '--memory', '128M', '--kernel', guest.kernel, '--initrd', guest.initrd, '--cmdline', guest.cmdline)) as VmView
    samples.novaCreateMs!.push(since(t0))
    samples.novaBootMs!.push(await firstWrite(vm.disk.path, t0))
    // restart the node with SIGKILL: time until the running VM is adopted and listed
    await node.stop('SIGKILL')
    t0 = performance.now()
    await node.start()
    await waitFor(async () => (JSON.parse(await cli('vm', 'list')) as VmView[]).some(v => v.name === nova && v.state === 'running'), { timeoutMs: 60_000, intervalMs: 50, what: 'adopted VM listed' })
    samples.nodeStartAdoptMs!.push(since(t0))
    t0 = performance.now()
    await cli('vm', 'stop', nova)
    samples.novaStopMs!.push(since(t0))
    t0 = performance.now()
    await cli('vm', 'delete', nova)
    samples.novaDeleteMs!.push(since(t0))

    // baseline: the same overlay and domain XML by hand with qemu-img + virsh
    const base = `vbb-${randomBytes(3).toString('hex')}`
    names.push(base)
    const dir = join(root, base)
    await mkdir(dir, { mode: 0o755 })
    const disk = join(dir, 'disk.qcow2')
    const xmlPath = join(dir, 'domain.xml')
    const spec = parseCreateVm({ name: base, image: 'tiny', memory: '128M', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline }).spec
    t0 = performance.now()
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(images, 'tiny.raw'), '-F', 'raw', disk])
    await writeFile(xmlPath, buildDomainXml({ spec, owner: 'baseline', domainType, diskPath: disk, consoleLogPath: join(dir, 'console.log') }))
    await run('virsh', ['-q', '-c', 'qemu:///system', 'define', xmlPath])
    await run('virsh', ['-q', '-c', 'qemu:///system', 'start', base])
    samples.virshCreateMs!.push(since(t0))
    samples.virshBootMs!.push(await firstWrite(disk, t0))
    t0 = performance.now()
    await run('virsh', ['-q', '-c', 'qemu:///system', 'shutdown', base])
    await shutOff(base)
    samples.virshStopMs!.push(since(t0))
    t0 = performance.now()
    await run('virsh', ['-q', '-c', 'qemu:///system', 'undefine', base])
    await rm(dir, { recursive: true, force: true })
    samples.virshDeleteMs!.push(since(t0))
    // what every CLI step above pays before it talks to the node: process start-up of each tool
    t0 = performance.now()
    await runCli(['--version'])
    samples.novaCliStartMs!.push(since(t0))
    t0 = performance.now()
    await run('virsh', ['--version'])
    samples.virshCliStartMs!.push(since(t0))
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`)
  }
} finally {
  await node?.stop('SIGKILL')
  for (const n of names) {
    if (await virsh(['domstate', n]) != null) {
      await virsh(['destroy', n])
      await virsh(['undefine', n])
    }
  }
  await rm(root, { recursive: true, force: true })
}

const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
const pairs: Array<[string, string, string]> = [
  ['create → call returns', 'novaCreateMs', 'virshCreateMs'],
  ['create → guest\'s first disk write (boot)', 'novaBootMs', 'virshBootMs'],
  ['graceful stop (ACPI) → shut off', 'novaStopMs', 'virshStopMs'],
  ['delete (domain + disk)', 'novaDeleteMs', 'virshDeleteMs'],
  ['node start (SIGKILL restart) → running VM adopted and listed, vs node start with no VMs', 'nodeStartAdoptMs', 'nodeStartEmptyMs'],
  ['CLI process start-up alone (`novacron --version` vs `virsh --version`)', 'novaCliStartMs', 'virshCliStartMs']
]
const cpu = (await readFile('/proc/cpuinfo', 'utf8')).match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown'
const results = { date: new Date().toISOString(), runs: RUNS, cpu, domainType: await chooseDomainType('qemu:///system', 'auto'), medianMs: m, samples }
writeFileSync(join(OUT_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n')
const md = [
  `# vm-lifecycle results (${results.date}, ${RUNS} runs, domain type ${results.domainType}, ${cpu})`,
  '',
  '| step | NovaCron (median ms) | baseline (median ms) | ratio |',
  '|---|---|---|---|',
  ...pairs.map(([what, a, b]) => `| ${what} | ${m[a]} | ${m[b]} | ${((m[a] ?? NaN) / (m[b] ?? NaN)).toFixed(2)} |`),
  '',
  'Baseline rows 1–4: qemu-img create + virsh define/start/shutdown/undefine of the same domain XML and overlay.',
  'Row 5 baseline: the same node process started with no VMs. Row 6: what each `novacron` CLI call pays before',
  'it reaches the node (Node 24 start-up and module loading); rows 1, 3 and 4 include it once. Raw samples in results.json.'
].join('\n') + '\n'
writeFileSync(join(OUT_DIR, 'results.md'), md)
process.stdout.write(md)
