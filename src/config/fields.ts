/**
 * Readers for one config field each. They throw a `FieldProblem`, which the config loader turns into a
 * `ConfigError` naming the file; the same readers check CLI flags and API bodies.
 */
export class FieldProblem extends Error {
  override name = 'FieldProblem'
  constructor (readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`)
  }
}

export type Raw = Record<string, unknown>

export function isRecord (value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function readObject (obj: Raw, key: string, path: string): Raw {
  const v = obj[key]
  if (v === undefined) return {}
  if (!isRecord(v)) throw new FieldProblem(path, 'must be an object')
  return v
}

export function rejectUnknown (obj: Raw, known: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new FieldProblem(path === '' ? key : `${path}.${key}`, `unknown field (known: ${known.join(', ')})`)
    }
  }
}

export function readString (obj: Raw, key: string, path: string, opts: { default?: string, pattern?: RegExp, max?: number } = {}): string {
  const v = obj[key]
  if (v === undefined && opts.default !== undefined) return opts.default
  if (typeof v !== 'string') throw new FieldProblem(path, v === undefined ? 'is required' : 'must be a string')
  const max = opts.max ?? 256
  if (v.length > max) throw new FieldProblem(path, `is longer than ${max} characters`)
  if (opts.pattern != null && !opts.pattern.test(v)) throw new FieldProblem(path, `"${v}" does not match ${opts.pattern}`)
  return v
}

export function readOptionalString (obj: Raw, key: string, path: string, opts: { pattern?: RegExp, max?: number } = {}): string | undefined {
  if (obj[key] === undefined) return undefined
  return readString(obj, key, path, opts)
}

export function readInt (obj: Raw, key: string, path: string, opts: { default?: number, min: number, max: number }): number {
  const v = obj[key]
  if (v === undefined && opts.default !== undefined) return opts.default
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new FieldProblem(path, v === undefined ? 'is required' : 'must be an integer')
  if (v < opts.min || v > opts.max) throw new FieldProblem(path, `must be between ${opts.min} and ${opts.max}, got ${v}`)
  return v
}

export function readStringArray (obj: Raw, key: string, path: string, check: (s: string, path: string) => void, opts: { default?: string[], maxItems?: number } = {}): string[] {
  const v = obj[key]
  if (v === undefined && opts.default !== undefined) return opts.default
  if (!Array.isArray(v)) throw new FieldProblem(path, v === undefined ? 'is required' : 'must be an array of strings')
  const maxItems = opts.maxItems ?? 64
  if (v.length > maxItems) throw new FieldProblem(path, `has more than ${maxItems} items`)
  return v.map((item, i) => {
    const p = `${path}[${i}]`
    if (typeof item !== 'string') throw new FieldProblem(p, 'must be a string')
    check(item, p)
    return item
  })
}

export const LABEL_KEY = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/
export const LABEL_VALUE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$|^$/
export const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/

export function readLabels (obj: Raw, key: string, path: string): Record<string, string> {
  const v = obj[key]
  if (v === undefined) return {}
  if (!isRecord(v)) throw new FieldProblem(path, 'must be an object of string labels')
  const out: Record<string, string> = {}
  const entries = Object.entries(v)
  if (entries.length > 64) throw new FieldProblem(path, 'has more than 64 labels')
  for (const [k, val] of entries) {
    if (!LABEL_KEY.test(k)) throw new FieldProblem(`${path}.${k}`, `label key must match ${LABEL_KEY}`)
    if (typeof val !== 'string' || !LABEL_VALUE.test(val)) throw new FieldProblem(`${path}.${k}`, `label value must be a string matching ${LABEL_VALUE}`)
    out[k] = val
  }
  return out
}

/** Parse `KEY=VALUE` (CLI form of a label). */
export function parseLabelFlag (flag: string, value: string): [string, string] {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new FieldProblem(flag, `"${value}" must be KEY=VALUE`)
  const k = value.slice(0, eq)
  const v = value.slice(eq + 1)
  if (!LABEL_KEY.test(k)) throw new FieldProblem(flag, `label key "${k}" must match ${LABEL_KEY}`)
  if (!LABEL_VALUE.test(v)) throw new FieldProblem(flag, `label value "${v}" must match ${LABEL_VALUE}`)
  return [k, v]
}

/** `HOST:PORT` of the API. */
export function parseHostPort (flag: string, value: string): { host: string, port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value)
  if (m == null) throw new FieldProblem(flag, `"${value}" must be HOST:PORT`)
  const port = Number(m[2])
  if (port > 65535) throw new FieldProblem(flag, `port ${port} is out of range`)
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port }
}
