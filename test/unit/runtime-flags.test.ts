import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.js'

describe('NODE_RUNTIME_FLAGS', () => {
  it('are the flags of the novacron shebang, which cannot import them', async () => {
    const source = await readFile(new URL('../../node/cli.ts', import.meta.url), 'utf8')
    expect(source.split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_RUNTIME_FLAGS.join(' ')}`)
  })
})
