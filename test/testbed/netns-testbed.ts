import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
const SUBNET = '10.77.0'
let seq = 0

export interface LinkRate {
  /** Host → switch (the host's uplink), Mbit/s; undefined = unshaped. */
  upMbit?: number
  /** Switch → host (the host's downlink), Mbit/s; undefined = unshaped. */
  downMbit?: number
}

export interface ExecResult { code: number, stdout: string, stderr: string }

async function ip (...args: string[]): Promise<void> {
  await run('ip', args)
}

/**
 * N hosts as network namespaces, each with one veth (eth0, 10.77.0.<i+1>/24) to a bridge that lives in its own
 * "switch" namespace. Links are shaped with `tc qdisc … tbf` (netem is not in this kernel): the host side of a
 * veth limits its uplink, the switch side its downlink. Nothing touches the root namespace but the temporary veth
 * names while they are created. `destroy()` kills every process started here and deletes the namespaces.
 */
export class NetnsTestbed {
  private readonly children = new Set<ChildProcess>()
  private readonly namespaces: string[] = []

  private constructor (readonly id: string, readonly hosts: number) {}

  static async create (hosts: number, rate: (host: number) => LinkRate = () => ({})): Promise<NetnsTestbed> {
    if (hosts < 1 || hosts > 64) throw new Error('hosts must be 1..64')
    await NetnsTestbed.sweep()
    const tb = new NetnsTestbed(`ncb-${process.pid}-${seq++}`, hosts)
    try {
      const sw = `${tb.id}-sw`
      await ip('netns', 'add', sw)
      tb.namespaces.push(sw)
      await tb.inNs(sw, 'ip', 'link', 'set', 'lo', 'up')
      await tb.inNs(sw, 'ip', 'link', 'add', 'br0', 'type', 'bridge')
      await tb.inNs(sw, 'ip', 'link', 'set', 'br0', 'up')
      for (let i = 0; i < hosts; i++) {
        const ns = tb.ns(i)
        await ip('netns', 'add', ns)
        tb.namespaces.push(ns)
        const a = `nc${process.pid % 10000}x${seq}a${i}`.slice(0, 15)
        const b = `nc${process.pid % 10000}x${seq}b${i}`.slice(0, 15)
        await ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b)
        await ip('link', 'set', a, 'netns', ns)
        await ip('link', 'set', b, 'netns', sw)
        await tb.inNs(ns, 'ip', 'link', 'set', a, 'name', 'eth0')
        await tb.inNs(ns, 'ip', 'addr', 'add', `${tb.ip(i)}/24`, 'dev', 'eth0')
        await tb.inNs(ns, 'ip', 'link', 'set', 'eth0', 'up')
        await tb.inNs(ns, 'ip', 'link', 'set', 'lo', 'up')
        await tb.inNs(sw, 'ip', 'link', 'set', b, 'name', `p${i}`)
        await tb.inNs(sw, 'ip', 'link', 'set', `p${i}`, 'master', 'br0')
        await tb.inNs(sw, 'ip', 'link', 'set', `p${i}`, 'up')
        await tb.shape(i, rate(i))
      }
    } catch (err) {
      await tb.destroy()
      throw err
    }
    return tb
  }

  /** Delete namespaces left behind by test processes that no longer exist (a crashed run). */
  static async sweep (): Promise<void> {
    const { stdout } = await run('ip', ['netns', 'list'])
    for (const line of stdout.split('\n')) {
      const m = /^(ncb-(\d+)-\S+)/.exec(line)
      if (m == null) continue
      let alive = true
      try {
        process.kill(Number(m[2]), 0)
      } catch {
        alive = false
      }
      if (!alive) await ip('netns', 'del', m[1] ?? '').catch(() => {})
    }
  }

  ns (host: number): string {
    return `${this.id}-h${host}`
  }

  ip (host: number): string {
    return `${SUBNET}.${host + 1}`
  }

  private async inNs (ns: string, cmd: string, ...args: string[]): Promise<void> {
    await run('ip', ['netns', 'exec', ns, cmd, ...args])
  }

  /** (Re)shape a host's link: tbf on each direction, or no qdisc when the rate is undefined. */
  async shape (host: number, rate: LinkRate): Promise<void> {
    const set = async (ns: string, dev: string, mbit?: number): Promise<void> => {
      await run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root']).catch(() => {})
      if (mbit == null) return
      // burst ≥ rate/HZ with room for TSO segments; 50 ms of queue
      const burst = Math.max(64 * 1024, Math.ceil(mbit * 1e6 / 8 / 100))
      await run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', String(burst), 'latency', '50ms'])
    }
    await set(this.ns(host), 'eth0', rate.upMbit)
    await set(`${this.id}-sw`, `p${host}`, rate.downMbit)
  }

  /** Run a command inside a host and wait for it (bounded by timeoutMs). */
  async exec (host: number, cmd: string, args: string[], opts: { timeoutMs?: number, env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
    return await new Promise(resolve => {
      const child = execFile('ip', ['netns', 'exec', this.ns(host), cmd, ...args], { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...opts.env } }, (err, stdout, stderr) => {
        this.children.delete(child)
        const code = err == null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
        resolve({ code, stdout, stderr })
      })
      this.children.add(child)
    })
  }

  /** Start a long-running command inside a host; killed by destroy() if still running. */
  spawn (host: number, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.add(child)
    child.once('exit', () => { this.children.delete(child) })
    return child
  }

  /** Bytes received on a host's eth0 (what came over its link). */
  async rxBytes (host: number): Promise<number> {
    const r = await this.exec(host, 'cat', ['/sys/class/net/eth0/statistics/rx_bytes'])
    return Number(r.stdout.trim())
  }

  async destroy (): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL')
    const exits = [...this.children].map(async c => await new Promise<void>(resolve => {
      if (c.exitCode != null || c.signalCode != null) resolve()
      else c.once('exit', () => { resolve() })
    }))
    await Promise.race([Promise.all(exits), new Promise(resolve => setTimeout(resolve, 5_000))])
    for (const ns of this.namespaces.reverse()) await ip('netns', 'del', ns).catch(() => {})
    this.namespaces.length = 0
  }
}
