/**
 * `npm run package`: build a self-contained release tarball, release/novacron-<version>-linux-x64.tar.gz, that runs
 * on a Linux x64 machine with no Node and no npm:
 *   bin/node       the Node 24 runtime from the npm registry (node_modules/node/bin/node)
 *   bin/novacron   a shell launcher that runs the bundled node with the program's V8 flags (runtime-flags.ts)
 *   dist/          the built program (src, node; no tests, no type declarations)
 *   node_modules/  production dependencies only (from package-lock.json), with their native modules as built
 *                  here (classic-level prebuilds for linux-x64, @unraid/libvirt built from source, lz4-napi binding)
 * Before packing, the staged release is smoke-tested: its launcher runs with a PATH that has no node, and every
 * native module loads in the bundled runtime.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, copyFile, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { NODE_RUNTIME_FLAGS } from './runtime-flags.js'

/** Native modules the release must be able to load (each by its package name). */
export const NATIVE_MODULES = ['classic-level', '@unraid/libvirt', 'lz4-napi']
/** Platform directories of prebuilt binaries that a linux-x64 release keeps. */
const KEEP_PREBUILDS = /^linux-x64/

const LAUNCHER = `#!/bin/sh
# NovaCron launcher: runs the program with the Node runtime bundled in this release (no system node needed).
set -e
self=$(readlink -f "$0")
home=$(dirname "$(dirname "$self")")
NOVACRON_HOME="$home"
export NOVACRON_HOME
exec "$home/bin/node" ${NODE_RUNTIME_FLAGS.join(' ')} "$home/dist/node/cli.js" "$@"
`

interface LockEntry { dev?: boolean, devOptional?: boolean, optional?: boolean }

async function run (cmd: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile(cmd, args, { env, cwd, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err != null) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`))
      else resolve(stdout)
    })
  })
}

/** Copy a package dir without its nested node_modules (those are copied as their own lock entries) or foreign prebuilds. */
function packageFilter (src: string): boolean {
  const parts = src.split('/')
  const name = basename(src)
  if (name === 'node_modules' && parts.length > 0) return false
  const i = parts.lastIndexOf('prebuilds')
  if (i >= 0 && i === parts.length - 2 && !KEEP_PREBUILDS.test(name)) return false
  // build intermediates of node-gyp modules
  if (name === 'obj.target' || name === '.deps') return false
  return true
}

export async function packageRelease (projectDir: string, outDir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(projectDir, 'package.json'), 'utf8')) as { version: string, name: string }
  const lock = JSON.parse(await readFile(join(projectDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  if (!existsSync(join(projectDir, 'dist/node/cli.js'))) throw new Error('dist/node/cli.js is missing: run `npm run build` first')
  const nodeBinary = join(projectDir, 'node_modules/node/bin/node')
  if (!existsSync(nodeBinary)) throw new Error('node_modules/node/bin/node is missing: `npm ci` installs the Node 24 runtime')
  const name = `novacron-${pkg.version}-linux-x64`
  const stage = join(outDir, name)
  await rm(stage, { recursive: true, force: true })
  await mkdir(join(stage, 'bin'), { recursive: true })

  // the program
  for (const dir of ['src', 'node', 'bootstrap']) {
    const from = join(projectDir, 'dist', dir)
    if (existsSync(from)) await cp(from, join(stage, 'dist', dir), { recursive: true, filter: f => !/\.d\.ts(\.map)?$/.test(f) })
  }
  await writeFile(join(stage, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', private: true }, null, 2) + '\n')
  for (const f of ['LICENSE', 'README.md']) if (existsSync(join(projectDir, f))) await copyFile(join(projectDir, f), join(stage, f))

  // production dependencies, as installed here (native modules already built for this runtime)
  let copied = 0
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev === true || entry.devOptional === true) continue
    const from = join(projectDir, path)
    if (!existsSync(from)) continue // optional package for another platform
    await cp(from, join(stage, path), { recursive: true, filter: packageFilter, verbatimSymlinks: true })
    copied++
  }

  // the runtime and the launcher
  await copyFile(nodeBinary, join(stage, 'bin/node'))
  await chmod(join(stage, 'bin/node'), 0o755)
  await writeFile(join(stage, 'bin/novacron'), LAUNCHER, { mode: 0o755 })

  // smoke test: no node on PATH, the launcher works and every native module loads
  const env = { PATH: '/nonexistent', HOME: stage }
  const version = (await run(join(stage, 'bin/novacron'), ['--version'], { ...env, PATH: '/usr/bin:/bin' })).trim()
  if (version !== pkg.version) throw new Error(`staged release reports version ${version}, expected ${pkg.version}`)
  const probe = NATIVE_MODULES.map(m => `await import(${JSON.stringify(m)})`).join(';')
  await run(join(stage, 'bin/node'), ['--input-type=module', '-e', probe], env, stage)

  const tarball = join(outDir, `${name}.tar.gz`)
  await run('tar', ['-czf', tarball, '-C', outDir, name])
  const sum = (await run('sha256sum', [basename(tarball)], undefined, outDir)).trim()
  await writeFile(`${tarball}.sha256`, sum + '\n')
  await rm(stage, { recursive: true, force: true })
  const size = (await stat(tarball)).size
  process.stdout.write(`${tarball}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${copied} packages, sha256 ${sum.split(' ')[0]}\n`)
  return tarball
}

if (process.argv[1] != null && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, project: { type: 'string' } }, strict: true })
  const project = resolve(values.project ?? new URL('../..', import.meta.url).pathname)
  const out = resolve(values.out ?? join(project, 'release'))
  await mkdir(out, { recursive: true })
  try {
    await packageRelease(project, out)
  } catch (err) {
    process.stderr.write(`package: ${(err as Error).message}\n`)
    process.exitCode = 1
  }
}
