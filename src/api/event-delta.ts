/**
 * Deltas between two JSON values, so a live-event `change` carries what changed rather than the whole topic
 * (a cluster view's ages tick every second; resending every member each time would cost as much as polling).
 *
 * A delta is one of:
 * - `{ "=": value }`: replace with `value`;
 * - `{ "o": { key: delta, ... }, "d"?: [key, ...] }`: object: apply each key's delta, delete the `d` keys;
 * - `{ "a": { index: delta, ... }, "n": length }`: array: cut or extend to `n` items, apply each index's delta.
 * `applyDelta(a, deltaOf(a, b))` deep-equals `b` for any JSON values `a`, `b`.
 */
export type Delta = { '=': unknown } | { o: Record<string, Delta>, d?: string[] } | { a: Record<string, Delta>, n: number }

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The delta from `a` to `b` (JSON values), or undefined when they are equal. */
export function deltaOf (a: unknown, b: unknown): Delta | undefined {
  if (a === b) return undefined
  if (Array.isArray(a) && Array.isArray(b)) {
    const changes: Record<string, Delta> = {}
    b.forEach((item, i) => {
      const d = i < a.length ? deltaOf(a[i], item) : { '=': item }
      if (d !== undefined) changes[i] = d
    })
    if (Object.keys(changes).length === 0 && a.length === b.length) return undefined
    return { a: changes, n: b.length }
  }
  if (isObject(a) && isObject(b)) {
    const changes: Record<string, Delta> = {}
    for (const [k, v] of Object.entries(b)) {
      const d = k in a ? deltaOf(a[k], v) : { '=': v }
      if (d !== undefined) changes[k] = d
    }
    const deleted = Object.keys(a).filter(k => !(k in b))
    if (Object.keys(changes).length === 0 && deleted.length === 0) return undefined
    return deleted.length > 0 ? { o: changes, d: deleted } : { o: changes }
  }
  return { '=': b }
}

/**
 * Apply a delta. Self-contained (no references outside its body): the status page embeds its source text,
 * so the browser and the tests run the same code.
 */
export function applyDelta (base: unknown, delta: Delta): unknown {
  const apply = (value: unknown, d: Delta): unknown => {
    if ('=' in d) return d['=']
    if ('o' in d) {
      const out: Record<string, unknown> = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {}
      for (const [k, sub] of Object.entries(d.o)) out[k] = apply(out[k], sub)
      for (const k of d.d ?? []) delete out[k]
      return out
    }
    const out: unknown[] = Array.isArray(value) ? value.slice(0, d.n) : []
    while (out.length < d.n) out.push(null)
    for (const [i, sub] of Object.entries(d.a)) out[Number(i)] = apply(out[Number(i)], sub)
    return out
  }
  return apply(base, delta)
}
