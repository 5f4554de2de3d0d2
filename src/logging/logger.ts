import type { Writable } from 'node:stream'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(component: string): Logger
}

export interface JsonLoggerInit {
  /** Where the JSON lines go (the daemon passes stdout). */
  out: Writable
  /** @default 'info' */
  level?: LogLevel
  component?: string
}

/** Writes one JSON object per line: `{"time","level","component","msg",...fields}`. */
export class JsonLogger implements Logger {
  private readonly out: Writable
  private readonly level: number
  private readonly levelName: LogLevel
  private readonly component: string

  constructor ({ out, level = 'info', component = 'node' }: JsonLoggerInit) {
    this.out = out
    this.levelName = level
    this.level = LEVELS[level]
    this.component = component
  }

  debug (msg: string, fields?: Record<string, unknown>): void { this.write('debug', msg, fields) }
  info (msg: string, fields?: Record<string, unknown>): void { this.write('info', msg, fields) }
  warn (msg: string, fields?: Record<string, unknown>): void { this.write('warn', msg, fields) }
  error (msg: string, fields?: Record<string, unknown>): void { this.write('error', msg, fields) }

  child (component: string): Logger {
    return new JsonLogger({ out: this.out, level: this.levelName, component })
  }

  private write (level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < this.level) return
    const line = { time: new Date().toISOString(), level, component: this.component, msg, ...serialise(fields) }
    this.out.write(JSON.stringify(line) + '\n')
  }
}

function serialise (fields?: Record<string, unknown>): Record<string, unknown> {
  if (fields == null) return {}
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v
  }
  return out
}

/** A logger that drops everything (library default, tests). */
export const silentLogger: Logger = {
  debug () {},
  info () {},
  warn () {},
  error () {},
  child () { return silentLogger }
}
