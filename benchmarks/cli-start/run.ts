/**
 * CPU a client command costs to start: `novacron image pull` against a node that refuses the connection (so the
 * figure is the program's start, its module loading and one HTTP attempt), against the baseline of a bare Node 24
 * process (`node -e 0`), measured alternately in the same run. Each child reports its own `process.cpuUsage()` at
 * exit through a preload, and the modules it resolved.
 *
 *   npm run build && node_modules/.bin/node dist/benchmarks/cli-start/run.js [--runs 15]
 *
 * Writes benchmarks/cli-start/results.json and results.md.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { CLI } from '../../test/helpers/cli.js'
import { freePort } from '../../test/helpers/free-port.js'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.js'
import { median } from '../lib/median.js'

const OUT_DIR = fileURLToPath(new URL('../../../benchmarks/cli-start/', import.meta.url))
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } }, strict: true })
const RUNS = Number(values.runs)

/** Writes `{ cpuMs, modules, thirdParty }` of the process to $CLI_START_OUT when it exits. */
const REPORTER = `
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
const seen = new Set()
registerHooks({ resolve (s, c, next) { const r = next(s, c); seen.add(r.url); return r } })
process.on('exit', () => {
  const u = process.cpuUsage()
  writeFileSync(process.env.CLI_START_OUT, JSON.stringify({ cpuMs: (u.user + u.system) / 1000, modules: seen.size, thirdParty: [...seen].filter(m => m.includes('/node_modules/')).length }))
})
`

interface Sample { cpuMs: number, modules: number, thirdParty: number }

async function once (dir: string, argv: string[]): Promise<Sample> {
  const out = join(dir, 'sample.json')
  await new Promise<void>(resolve => {
    execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'reporter.mjs')).href, ...argv], { env: { ...process.env, CLI_START_OUT: out }, timeout: 30_000 }, () => { resolve() })
  })
  return JSON.parse(await readFile(out, 'utf8')) as Sample
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-start-bench-'))
  try {
    await writeFile(join(dir, 'reporter.mjs'), REPORTER)
    const dataDir = join(dir, 'data')
    await mkdir(dataDir)
    await writeFile(join(dataDir, 'api.url'), `http://127.0.0.1:${await freePort()}\n`)
    const cases = {
      bare: ['-e', '0'],
      'image pull': [...NODE_RUNTIME_FLAGS, CLI, 'image', 'pull', 'disk@1', '--data-dir', dataDir]
    }
    const samples: Record<string, Sample[]> = { bare: [], 'image pull': [] }
    for (let i = 0; i < RUNS; i++) {
      for (const [name, argv] of Object.entries(cases)) samples[name]?.push(await once(dir, argv))
    }
    const rows = Object.entries(samples).map(([name, s]) => ({ name, cpuMsMedian: Math.round(median(s.map(x => x.cpuMs))), cpuMsMin: Math.round(Math.min(...s.map(x => x.cpuMs))), modules: s[0]?.modules ?? 0, thirdPartyModules: s[0]?.thirdParty ?? 0 }))
    const bare = rows[0]?.cpuMsMedian ?? NaN
    const pull = rows[1]?.cpuMsMedian ?? NaN
    const result = { date: new Date().toISOString(), node: process.version, runs: RUNS, rows, overBareMs: pull - bare, ratioToBare: Math.round(pull / bare * 100) / 100 }
    await writeFile(join(OUT_DIR, 'results.json'), JSON.stringify(result, null, 2) + '\n')
    const md = [
      `# cli-start results (${result.date}, Node ${result.node}, ${RUNS} alternating runs, medians)`, '',
      '| process | CPU ms (median) | CPU ms (min) | modules resolved | of them under node_modules |',
      '|---|---|---|---|---|',
      ...rows.map(r => `| ${r.name === 'bare' ? 'bare Node 24 (`node -e 0`, baseline)' : '`novacron image pull` (node refuses the connection)'} | ${r.cpuMsMedian} | ${r.cpuMsMin} | ${r.modules} | ${r.thirdPartyModules} |`),
      '', `A client command costs ${result.overBareMs} ms of CPU over a bare Node process (${result.ratioToBare}×).`, ''
    ].join('\n')
    await writeFile(join(OUT_DIR, 'results.md'), md)
    process.stdout.write(md)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
