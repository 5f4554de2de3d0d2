import { describe, expect, it } from 'vitest'
import { EarlySessions } from '../../src/images/swarm/early-sessions.js'
import type { PeerSession } from '../../src/images/swarm/peer-session.js'

class FakeSession {
  closed = false
  close (): void { this.closed = true }
}

const fake = (): PeerSession => new FakeSession() as unknown as PeerSession

describe('EarlySessions', () => {
  it('hands an opened or adopted session to the first taker only; a failed or closed one is not handed out', async () => {
    const opened: string[] = []
    const early = new EarlySessions(async peer => {
      opened.push(peer)
      if (peer === 'bad') throw new Error('unreachable')
      return fake()
    })
    early.open('a')
    early.open('a') // once per peer
    early.open('bad')
    const kept = fake()
    early.adopt('m', kept)
    expect(opened).toEqual(['a', 'bad'])
    const a = await early.take('a')
    expect(a).toBeDefined()
    expect(await early.take('a')).toBeUndefined()
    expect(await early.take('bad')).toBeUndefined()
    expect(await early.take('nobody')).toBeUndefined()
    expect(await early.take('m')).toBe(kept)
    const gone = fake()
    early.adopt('g', gone)
    gone.close()
    expect(await early.take('g')).toBeUndefined()
  })

  it('closes what nobody took, a session that opens after closeAll, and one adopted after it', async () => {
    const late = Promise.withResolvers<PeerSession>()
    const early = new EarlySessions(async peer => peer === 'late' ? await late.promise : fake())
    early.open('x')
    early.open('late')
    const x = await (early as unknown as { sessions: Map<string, Promise<PeerSession>> }).sessions.get('x')
    early.closeAll()
    await Promise.resolve()
    expect(x?.closed).toBe(true)
    const lateSession = fake()
    late.resolve(lateSession)
    await new Promise(resolve => setImmediate(resolve))
    expect(lateSession.closed).toBe(true)
    const after = fake()
    early.adopt('y', after)
    expect(after.closed).toBe(true)
    expect(await early.take('x')).toBeUndefined()
  })
})
