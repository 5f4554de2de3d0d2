import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Writable } from 'node:stream'

/** A CLI failure: message for stderr and the exit code. */
export class CliError extends Error {
  override name = 'CliError'
  /** `code`: what went wrong, for a command that handles some failures (the node's error code, or ERR_NODE_*). */
  constructor (message: string, readonly exitCode = 1, readonly code?: string) {
    super(message)
  }
}

/** Usage error (unknown flag, missing argument): exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError'
  constructor (message: string) {
    super(message, 2)
  }
}

export interface Io {
  stdout: Writable
  stderr: Writable
  env: NodeJS.ProcessEnv
  /** Resolves when the process is told to stop (SIGINT/SIGTERM); long-running commands await it. */
  stopSignal: Promise<string>
}

export type Options = NonNullable<ParseArgsConfig['options']>

export interface Command {
  /** Words after `novacron`, e.g. `image add`. */
  name: string
  summary: string
  usage: string
  options: Options
  /** How many positional arguments it takes. @default [0, 0] */
  positionals?: [number, number]
  run(args: ParsedArgs, io: Io): Promise<number>
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>
  positionals: string[]
}

export function parse (cmd: Command, argv: string[]): ParsedArgs {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true })
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0] ?? ''}\nusage: ${cmd.usage}`)
  }
  const [min, max] = cmd.positionals ?? [0, 0]
  if (parsed.values.help !== true && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new UsageError(`${cmd.name}: expected ${min === max ? min : `${min}-${max}`} argument(s), got ${parsed.positionals.length}\nusage: ${cmd.usage}`)
  }
  return parsed as ParsedArgs
}

export function str (args: ParsedArgs, key: string): string | undefined {
  const v = args.values[key]
  return typeof v === 'string' ? v : undefined
}

export function list (args: ParsedArgs, key: string): string[] {
  const v = args.values[key]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

export function flag (args: ParsedArgs, key: string): boolean {
  return args.values[key] === true
}

/** Render rows as an aligned text table. */
export function table (headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n') + '\n'
}

export function writeJson (io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
