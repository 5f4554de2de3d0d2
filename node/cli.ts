#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=100
import { main } from './cli-main.js'

const stopSignal = new Promise<string>(resolve => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { resolve(sig) })
})

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, stopSignal })
process.exitCode = code
// a finished command leaves nothing running; the daemon has already stopped every service
if (process.argv[2] !== undefined) setTimeout(() => process.exit(code), 200).unref()
