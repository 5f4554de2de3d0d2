/**
 * A JSON Schema validator for the subset the OpenAPI document uses. Any keyword outside the subset is an
 * error (`unsupported keyword`), so the document cannot say something this test silently ignores.
 */
export type Schema = Record<string, unknown>

const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'default', 'format', 'deprecated', 'readOnly'])
const KEYWORDS = new Set(['$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'oneOf', 'anyOf',
  'minimum', 'maximum', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems'])

export function resolveRef (root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`)
  let node: unknown = root
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part]
  if (node == null || typeof node !== 'object') throw new Error(`$ref ${ref} does not resolve`)
  return node as Schema
}

function typeOf (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

/** Every problem with `value` against `schema` (empty when valid). `root` resolves `$ref`s. */
export function validate (schema: Schema, value: unknown, root: Schema, path = '$'): string[] {
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`unsupported keyword "${k}" in schema at ${path}`)
  }
  if (typeof schema.$ref === 'string') return validate(resolveRef(root, schema.$ref), value, root, path)
  const problems: string[] = []
  const t = typeOf(value)
  if (schema.type != null) {
    const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string]
    if (!types.some(x => x === t || (x === 'number' && t === 'integer'))) return [`${path}: expected ${types.join('|')}, got ${t}`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.some(e => e === value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`)
  if ('const' in schema && schema.const !== value) problems.push(`${path}: expected ${JSON.stringify(schema.const)}`)
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter(s => validate(s, value, root, path).length === 0).length
    if (matching !== 1) problems.push(`${path}: matches ${matching} of oneOf (needs exactly 1)`)
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some(s => validate(s, value, root, path).length === 0)) {
    problems.push(`${path}: matches none of anyOf`)
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${path}: ${value} < minimum ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${path}: ${value} > maximum ${schema.maximum}`)
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${path}: "${value}" does not match ${schema.pattern}`)
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`)
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`)
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`)
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`)
    if (schema.items != null) value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, root, `${path}[${i}]`)))
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>
    const props = (schema.properties ?? {}) as Record<string, Schema>
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) problems.push(`${path}: missing required "${r}"`)
    for (const [k, v] of Object.entries(obj)) {
      const p = props[k]
      if (p != null) problems.push(...validate(p, v, root, `${path}.${k}`))
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property "${k}"`)
      else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties != null) {
        problems.push(...validate(schema.additionalProperties as Schema, v, root, `${path}.${k}`))
      }
    }
  }
  return problems
}

/** Walk every schema in the document so unsupported keywords and dangling $refs fail even if no response uses them. */
export function checkSchemaKeywords (schema: unknown, root: Schema, path: string): void {
  if (schema == null || typeof schema !== 'object') return
  const s = schema as Schema
  for (const k of Object.keys(s)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`unsupported keyword "${k}" in schema at ${path}`)
  }
  if (typeof s.$ref === 'string') resolveRef(root, s.$ref)
  for (const k of ['items', 'additionalProperties']) checkSchemaKeywords(s[k], root, `${path}.${k}`)
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) checkSchemaKeywords(v, root, `${path}.properties.${k}`)
  for (const k of ['oneOf', 'anyOf']) ((s[k] ?? []) as unknown[]).forEach((v, i) => { checkSchemaKeywords(v, root, `${path}.${k}[${i}]`) })
}
