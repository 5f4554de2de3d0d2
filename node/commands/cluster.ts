import type { ClusterSnapshot } from '../../src/membership/cluster-snapshot.js'
import { parseLabelFlag, FieldProblem } from '../../src/config/fields.js'
import { ApiClient, CLIENT_OPTIONS } from '../api-client.js'
import { UsageError, flag, str, table, writeJson, type Command } from '../cli-kit.js'

const GiB = 1024 ** 3
const gib = (n: number): string => `${(n / GiB).toFixed(1)}G`

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'list every node of the cluster with its liveness, site, resources, VMs and record age; totals per site',
  usage: 'novacron cluster [--site NAME] [--data-dir DIR | --api URL] [--json]',
  options: { ...CLIENT_OPTIONS, site: { type: 'string' } },
  async run (args, io) {
    const site = str(args, 'site')
    const q = site != null ? `?site=${encodeURIComponent(site)}` : ''
    const view = await (await ApiClient.fromArgs(args, io)).get<ClusterSnapshot>(`/api/v1/cluster${q}`)
    if (flag(args, 'json')) {
      writeJson(io, view)
      return 0
    }
    io.stdout.write(table(['PEER', 'STATE', 'ROLE', 'SITE', 'CPU', 'LOAD', 'MEM FREE/TOTAL', 'DISK FREE/TOTAL', 'GPU', 'VMS', 'LABELS', 'AGE'], view.members.map(m => [
      (m.self ? '*' : '') + m.peerId,
      m.liveness,
      m.role,
      m.site,
      String(m.resources.cpuCores),
      m.resources.load.toFixed(2),
      `${gib(m.resources.memoryFree)}/${gib(m.resources.memoryTotal)}`,
      `${gib(m.resources.diskFree)}/${gib(m.resources.diskTotal)}`,
      String(m.resources.gpus.length),
      String(m.vms.length),
      Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-',
      `${m.recordAgeSeconds}s`
    ])))
    io.stdout.write('\n' + table(['SITE', 'NODES', 'ALIVE', 'SUSPECT', 'DEAD', 'CPU', 'MEM FREE/TOTAL', 'DISK FREE/TOTAL', 'GPU', 'VMS'], [...view.sites, view.totals].map(t => [
      t.site === '*' ? 'TOTAL' : t.site, String(t.nodes), String(t.alive), String(t.suspect), String(t.dead), String(t.cpuCores),
      `${gib(t.memoryFree)}/${gib(t.memoryTotal)}`, `${gib(t.diskFree)}/${gib(t.diskTotal)}`, String(t.gpus), String(t.vms)
    ])))
    return 0
  }
}

async function putLabels (args: Parameters<Command['run']>[0], io: Parameters<Command['run']>[1], body: unknown): Promise<number> {
  const res = await (await ApiClient.fromArgs(args, io)).request<{ labels: Record<string, string> }>('PUT', '/api/v1/labels', body)
  if (flag(args, 'json')) writeJson(io, res)
  else io.stdout.write(Object.entries(res.labels).map(([k, v]) => `${k}=${v}`).join('\n') + (Object.keys(res.labels).length > 0 ? '\n' : ''))
  return 0
}

export const labelSetCommand: Command = {
  name: 'label set',
  summary: 'set custom labels on this node (saved in config.json, gossiped to the cluster at once)',
  usage: 'novacron label set KEY=VALUE... [--data-dir DIR | --api URL] [--json]',
  options: CLIENT_OPTIONS,
  positionals: [1, 64],
  async run (args, io) {
    const set: Record<string, string> = {}
    for (const p of args.positionals) {
      try {
        const [k, v] = parseLabelFlag('KEY=VALUE', p)
        set[k] = v
      } catch (err) {
        if (err instanceof FieldProblem) throw new UsageError(`${err.message}\nusage: ${labelSetCommand.usage}`)
        throw err
      }
    }
    return await putLabels(args, io, { set })
  }
}

export const labelRmCommand: Command = {
  name: 'label rm',
  summary: 'remove custom labels from this node',
  usage: 'novacron label rm KEY... [--data-dir DIR | --api URL] [--json]',
  options: CLIENT_OPTIONS,
  positionals: [1, 64],
  async run (args, io) {
    return await putLabels(args, io, { remove: args.positionals })
  }
}
