import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { transferRoutes, type TransferApi } from '../../src/api/routes/transfers.js'
import type { RequestContext } from '../../src/api/router.js'
import { PullJob } from '../../src/images/swarm/pull-job.js'
import type { TransferResult } from '../../src/images/swarm/transfer.js'

function api (job: PullJob): TransferApi {
  return {
    pull: () => job,
    job: id => { if (id !== job.id) throw Object.assign(new Error('no transfer'), { code: 'ERR_TRANSFER_NOT_FOUND' }); return job },
    transfers: () => [job.progress()]
  }
}

async function show (job: PullJob, query: string): Promise<{ state: string }> {
  const route = transferRoutes(api(job)).find(r => r.method === 'GET' && r.pattern === '/api/v1/transfers/{id}')!
  const ctx: RequestContext = { method: 'GET', path: `/api/v1/transfers/${job.id}`, params: { id: job.id }, query: new URLSearchParams(query), body: undefined, req: {} as IncomingMessage }
  const res = await route.handler(ctx) as { json: { state: string } }
  return res.json
}

describe('GET /api/v1/transfers/{id}?waitMs=', () => {
  it('answers as soon as the transfer ends, with its final state', async () => {
    const job = new PullJob('disk@1')
    setTimeout(() => { job.succeed({ fetchedBytes: 1 } as unknown as TransferResult) }, 50)
    const t0 = Date.now()
    const p = await show(job, 'waitMs=10000')
    expect(p.state).toBe('done')
    // ended by the job, not by the 10 s wait (a generous bound: this checks which event ended it, not speed)
    expect(Date.now() - t0).toBeLessThan(5_000)
  })

  it('answers with the progress so far when the wait runs out, and at once without waitMs', async () => {
    const job = new PullJob('disk@1')
    expect((await show(job, 'waitMs=30')).state).toBe('resolving')
    expect((await show(job, '')).state).toBe('resolving')
  })

  it('refuses a waitMs that is not a whole number up to 10 s', async () => {
    const job = new PullJob('disk@1')
    for (const bad of ['-1', '1.5', 'soon', '10001']) {
      await expect(show(job, `waitMs=${bad}`)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' })
    }
  })
})
