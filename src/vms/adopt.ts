import type { Logger } from '../logging/logger.js'
import { readOwner } from './domain-xml.js'
import { HypervisorUnavailableError } from './errors.js'
import { isActive, type Hypervisor } from './hypervisor.js'
import type { KeyedLock } from './keyed-lock.js'
import type { VmRecord, VmStore } from './store.js'
import type { VmState } from './view.js'

/** What adoption needs of the VM service. */
export interface AdoptContext {
  hv: Hypervisor
  store: VmStore
  owner: string
  log: Logger
  locks: KeyedLock
  states: Map<string, VmState>
  domainXml: (rec: VmRecord) => Promise<string>
  rollback: (rec: VmRecord) => Promise<void>
  /** Graceful stop in the background (it may take the whole stop timeout). */
  stopLater: (name: string) => void
}

/**
 * After a node restart: a record still `creating` is rolled back; a running owned domain is adopted as it
 * is (never restarted); a stopped one is started if its desired state is running (re-defined from the spec
 * first); a missing domain is re-defined; a running one whose desired state is stopped is shut down in the
 * background; a foreign domain of the same name is left alone. Throws HypervisorUnavailableError (retried
 * later by the caller); other per-VM failures are logged and the next VM is adopted.
 */
export async function adoptAll (c: AdoptContext): Promise<void> {
  for (const rec of await c.store.list()) {
    const name = rec.spec.name
    await c.locks.run(name, async () => {
      if (rec.phase === 'creating') {
        c.log.warn('rolling back a VM whose creation was interrupted', { vm: name })
        await c.rollback(rec)
        return
      }
      let info = await c.hv.find(name)
      if (info != null && readOwner(await c.hv.xml(name)) !== c.owner) {
        c.log.error('a domain with this VM\'s name is not ours; leaving it alone', { vm: name })
        c.states.set(name, 'foreign')
        return
      }
      if (info == null) {
        c.log.warn('VM domain missing; defining it again from its spec', { vm: name })
        await c.hv.define(await c.domainXml(rec))
        info = await c.hv.find(name)
      }
      const active = info != null && isActive(info.state)
      if (rec.desired === 'running' && !active) {
        await c.hv.define(await c.domainXml(rec))
        await c.hv.start(name)
        rec.startedAt = Date.now()
        await c.store.put(rec)
        c.log.info('VM started to restore its desired state', { vm: name })
      } else if (rec.desired === 'stopped' && active) {
        c.log.info('VM running but desired stopped; shutting it down', { vm: name })
        c.stopLater(name)
      } else if (active) {
        c.log.info('adopted running VM', { vm: name, domainId: info?.id })
      }
      c.states.set(name, (await c.hv.find(name))?.state ?? 'missing')
    }).catch(err => {
      if (err instanceof HypervisorUnavailableError) throw err
      c.log.error('could not adopt VM', { vm: name, err })
    })
  }
}
