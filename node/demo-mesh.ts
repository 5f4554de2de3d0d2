#!/usr/bin/env node
/**
 * `npm run mesh`: a small local mesh on this machine — one bootstrap seed and N nodes, each a real
 * `novacron` process with its own data dir under --dir — with every status page URL printed.
 * Runs in the foreground; Ctrl-C stops every process. Data dirs are kept, so a second run reuses them.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, createWriteStream } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { NODE_RUNTIME_FLAGS } from './runtime-flags.js'

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url))
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '.novacron-demo' },
    nodes: { type: 'string', default: '3' },
    'api-port': { type: 'string', default: '7600' },
    'p2p-port': { type: 'string', default: '4100' }
  },
  strict: true
})
const dir = resolve(values.dir)
const count = Number(values.nodes)
const apiBase = Number(values['api-port'])
const p2pBase = Number(values['p2p-port'])
if (!Number.isInteger(count) || count < 1 || count > 16) throw new Error('--nodes must be 1..16')

function cli (...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
}

mkdirSync(dir, { recursive: true })
const secret = join(dir, 'cluster.secret')
if (!existsSync(secret)) cli('secret', 'new', '--out', secret)

const members = [{ name: 'seed', role: 'bootstrap' }, ...Array.from({ length: count }, (_, i) => ({ name: `node${i + 1}`, role: 'node' }))]
let seedAddr = ''
const children: ChildProcess[] = []
for (const [i, m] of members.entries()) {
  const dataDir = join(dir, m.name)
  if (!existsSync(join(dataDir, 'config.json'))) {
    cli('init', '--data-dir', dataDir, '--secret-file', secret, '--listen', `/ip4/127.0.0.1/tcp/${p2pBase + i}`,
      '--api', `127.0.0.1:${apiBase + i}`, '--site', i === 0 ? 'pop' : `edge-${i}`, ...(i === 0 ? [] : ['--bootstrap', seedAddr]))
  }
  if (i === 0) seedAddr = (JSON.parse(cli('id', '--data-dir', dataDir, '--json')) as { addresses: string[] }).addresses[0] ?? ''
  const log = createWriteStream(join(dir, `${m.name}.log`), { flags: 'a' })
  const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, CLI, m.role, 'start', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  child.once('exit', code => { if (code !== 0 && code !== null) console.error(`${m.name} exited with ${code}; see ${join(dir, `${m.name}.log`)}`) })
  children.push(child)
  console.log(`${m.name.padEnd(6)} ${m.role.padEnd(9)} status page http://127.0.0.1:${apiBase + i}/   data dir ${dataDir}`)
}
console.log(`\nlogs in ${dir}/*.log; try: npm run novacron -- peers --data-dir ${join(dir, 'node1')}\nCtrl-C stops the mesh.`)

const stop = (): void => {
  for (const c of children) c.kill('SIGTERM')
  setTimeout(() => process.exit(0), 3000).unref()
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
