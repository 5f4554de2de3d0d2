import { describe, expect, it } from 'vitest'
import { validate, checkSchemaKeywords, type Schema } from './schema-validator.js'

const root: Schema = {
  components: {
    schemas: {
      Item: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1 }, tag: { type: 'string', pattern: '^[a-z]+$' } } }
    }
  }
}
const list: Schema = { type: 'array', items: { $ref: '#/components/schemas/Item' }, maxItems: 2 }

describe('schema validator (the contract test\'s judge)', () => {
  it('accepts a matching value', () => {
    expect(validate(list, [{ id: 1, tag: 'a' }, { id: 2 }], root)).toEqual([])
  })

  it('reports each kind of mismatch', () => {
    expect(validate(list, {}, root)).toHaveLength(1)
    expect(validate(list, [{ id: 0 }], root)[0]).toMatch(/minimum/)
    expect(validate(list, [{ id: 1.5 }], root)[0]).toMatch(/expected integer/)
    expect(validate(list, [{ tag: 'a' }], root)[0]).toMatch(/missing required "id"/)
    expect(validate(list, [{ id: 1, extra: true }], root)[0]).toMatch(/unexpected property/)
    expect(validate(list, [{ id: 1, tag: 'A' }], root)[0]).toMatch(/does not match/)
    expect(validate(list, [{ id: 1 }, { id: 2 }, { id: 3 }], root)[0]).toMatch(/more than 2/)
    expect(validate({ enum: ['a', 'b'] }, 'c', root)).toHaveLength(1)
    expect(validate({ oneOf: [{ type: 'string' }, { type: 'string', pattern: '^a' }] }, 'ab', root)[0]).toMatch(/oneOf/)
    expect(validate({ type: ['string', 'null'] }, null, root)).toEqual([])
    expect(validate({ type: 'object', additionalProperties: { type: 'number' } }, { a: 1, b: 'x' }, root)).toHaveLength(1)
  })

  it('refuses schemas that use keywords it does not check, and dangling refs', () => {
    expect(() => validate({ type: 'string', contentEncoding: 'base64' }, 'x', root)).toThrow(/unsupported keyword/)
    expect(() => { checkSchemaKeywords({ properties: { a: { allOf: [] } } }, root, 'S') }).toThrow(/unsupported keyword/)
    expect(() => { checkSchemaKeywords({ $ref: '#/components/schemas/Nope' }, root, 'S') }).toThrow(/does not resolve/)
  })
})
