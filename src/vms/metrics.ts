import { Counter, Gauge, type Registry } from 'prom-client'

export type VmOperation = 'create' | 'start' | 'stop' | 'delete' | 'adopt'

/** Prometheus metrics of the VM service (on the node's registry, served at /metrics). */
export class VmMetrics {
  private readonly operations: Counter<'op' | 'result'>
  private readonly vms: Gauge<'state'>

  constructor (registry: Registry, states: () => Iterable<string>) {
    this.operations = new Counter({ name: 'novacron_vm_operations_total', help: 'VM lifecycle operations by outcome (result: ok or the error code)', labelNames: ['op', 'result'], registers: [registry] })
    this.vms = new Gauge({
      name: 'novacron_vms',
      help: 'VMs owned by this node, by last seen domain state',
      labelNames: ['state'],
      registers: [registry],
      collect: () => {
        this.vms.reset()
        for (const s of states()) this.vms.inc({ state: s })
      }
    })
  }

  /** Count the outcome of one operation; passes the result or error through. */
  async count<T> (op: VmOperation, fn: () => Promise<T>): Promise<T> {
    try {
      const v = await fn()
      this.operations.inc({ op, result: 'ok' })
      return v
    } catch (err) {
      this.operations.inc({ op, result: (err as { code?: string }).code ?? 'ERR_UNKNOWN' })
      throw err
    }
  }
}
