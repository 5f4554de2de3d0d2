import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.js'

/** The repository root, whether this file runs from test/ (vitest) or dist/test/ (benchmarks). */
function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return dir
}

/** The built CLI (`npm test` builds first). */
export const CLI = join(repoRoot(), 'dist', 'node', 'cli.js')

/**
 * The arguments after the Node binary that run `novacron ARGS` as the shipped program runs: its V8 flags
 * (node/runtime-flags.ts), then the CLI. Every test harness that starts a daemon uses this.
 */
export function novacronArgv (args: string[]): string[] {
  return [...NODE_RUNTIME_FLAGS, CLI, ...args]
}

export interface CliResult { code: number, stdout: string, stderr: string }

/** Run `novacron ARGS` as a real process with the Node 24 runtime that runs the tests. */
export async function runCli (args: string[], opts: { env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`)
  return await new Promise(resolve => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
      const code = err == null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout, stderr })
    })
  })
}
