import { resolve } from 'node:path'
import type { VmView } from '../../src/vms/view.js'
import type { StopResult } from '../../src/vms/vm-service.js'
import { FieldProblem, parseLabelFlag } from '../../src/config/fields.js'
import { formatSize } from '../../src/vms/spec.js'
import { ApiClient, CLIENT_OPTIONS } from '../api-client.js'
import { UsageError, flag, list, str, table, writeJson, type Command, type ParsedArgs, type Io } from '../cli-kit.js'

const where = '[--data-dir DIR | --api URL] [--json]'
/** A create materialises the image first (GiBs): its request may take far longer than a plain API call. */
const CREATE_TIMEOUT_MS = 60 * 60 * 1000
const PROGRESS_POLL_MS = 500
const STOP_TIMEOUT_MS = 3700 * 1000

function progressLine (vm: VmView): string {
  const p = vm.progress
  if (p == null) return `${vm.name}: ${vm.state}`
  if (p.step === 'materialise' && p.totalBytes != null && p.totalBytes > 0) {
    const pct = Math.floor(100 * (p.doneBytes ?? 0) / p.totalBytes)
    return `${vm.name}: materialising image ${formatSize(p.doneBytes ?? 0)} / ${formatSize(p.totalBytes)} (${pct}%)`
  }
  return `${vm.name}: ${p.step}`
}

function nameArg (args: ParsedArgs): string {
  return encodeURIComponent(args.positionals[0] ?? '')
}

/** A number flag as a number when it is one; otherwise the raw text, so the node's 400 names the field. */
function numberish (v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined
  return /^\d{1,9}$/.test(v) ? Number(v) : v
}

function showVm (io: Io, vm: VmView): void {
  io.stdout.write([
    `name      ${vm.name}`,
    `state     ${vm.state} (desired ${vm.desired})`,
    `host      ${vm.host}`,
    `vcpus     ${vm.vcpus}`,
    `memory    ${formatSize(vm.memoryBytes)}`,
    `image     ${vm.image.name}@${vm.image.version}`,
    `disk      ${vm.disk.path} (${formatSize(vm.disk.virtualBytes)} virtual${vm.disk.allocatedBytes != null ? `, ${formatSize(vm.disk.allocatedBytes)} allocated` : ''})`,
    `uptime    ${vm.uptimeSeconds != null ? `${vm.uptimeSeconds} s` : '-'}`,
    `network   ${vm.network}`,
    ...(vm.kernel != null ? [`kernel    ${vm.kernel.path}${vm.kernel.initrd != null ? ` + ${vm.kernel.initrd}` : ''}`] : []),
    ...(Object.keys(vm.labels).length > 0 ? [`labels    ${Object.entries(vm.labels).map(([k, v]) => `${k}=${v}`).join(',')}`] : []),
    `created   ${vm.createdAt}`
  ].join('\n') + '\n')
}

async function output (args: ParsedArgs, io: Io, vm: VmView): Promise<number> {
  if (flag(args, 'json')) writeJson(io, vm)
  else showVm(io, vm)
  return 0
}

export const vmCreateCommand: Command = {
  name: 'vm create',
  summary: 'create and start a VM from an image on this node',
  usage: `novacron vm create --name N --image IMG[@VERSION] --vcpus C --memory 512M [--disk-size 1G] [--kernel F --initrd F --cmdline S] [--network none|user] [--label K=V]... [--gpus N] [--no-start] [--progress] ${where}`,
  options: {
    ...CLIENT_OPTIONS,
    name: { type: 'string' },
    image: { type: 'string' },
    vcpus: { type: 'string' },
    memory: { type: 'string' },
    'disk-size': { type: 'string' },
    kernel: { type: 'string' },
    initrd: { type: 'string' },
    cmdline: { type: 'string' },
    network: { type: 'string' },
    label: { type: 'string', multiple: true },
    gpus: { type: 'string' },
    'no-start': { type: 'boolean' },
    progress: { type: 'boolean' }
  },
  async run (args, io) {
    for (const required of ['name', 'image', 'memory']) {
      if (str(args, required) == null) throw new UsageError(`vm create: --${required} is required\nusage: ${vmCreateCommand.usage}`)
    }
    const labels: Record<string, string> = {}
    try {
      for (const l of list(args, 'label')) {
        const [k, v] = parseLabelFlag('--label', l)
        labels[k] = v
      }
    } catch (err) {
      if (err instanceof FieldProblem) throw new UsageError(err.message)
      throw err
    }
    const kernel = str(args, 'kernel')
    const initrd = str(args, 'initrd')
    const body = {
      name: str(args, 'name'),
      image: str(args, 'image'),
      vcpus: numberish(str(args, 'vcpus')),
      memory: str(args, 'memory'),
      diskSize: str(args, 'disk-size'),
      kernel: kernel != null ? resolve(kernel) : undefined,
      initrd: initrd != null ? resolve(initrd) : undefined,
      cmdline: str(args, 'cmdline'),
      network: str(args, 'network'),
      labels,
      gpus: numberish(str(args, 'gpus')),
      start: !flag(args, 'no-start')
    }
    const client = await ApiClient.fromArgs(args, io, { timeoutMs: CREATE_TIMEOUT_MS })
    let done = false
    const created = client.request<VmView>('POST', '/api/v1/vms', body).finally(() => { done = true })
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true
    if (tty || flag(args, 'progress')) {
      // while the create runs, show where it is (materialising the image can take minutes)
      let last = ''
      while (!done) {
        await Promise.race([created.catch(() => {}), new Promise(resolve => setTimeout(resolve, PROGRESS_POLL_MS))])
        if (done) break
        const vm = await client.get<VmView>(`/api/v1/vms/${encodeURIComponent(body.name ?? '')}`).catch(() => undefined)
        const line = vm?.state === 'creating' ? progressLine(vm) : ''
        if (line !== '' && line !== last) io.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
        last = line === '' ? last : line
      }
      if (tty && last !== '') io.stderr.write('\r\x1b[K')
    }
    return await output(args, io, await created)
  }
}

export const vmListCommand: Command = {
  name: 'vm list',
  summary: 'list this node\'s VMs with state, size and uptime',
  usage: `novacron vm list ${where}`,
  options: CLIENT_OPTIONS,
  async run (args, io) {
    const vms = await (await ApiClient.fromArgs(args, io)).get<VmView[]>('/api/v1/vms')
    if (flag(args, 'json')) {
      writeJson(io, vms)
      return 0
    }
    io.stdout.write(table(['NAME', 'STATE', 'DESIRED', 'VCPUS', 'MEMORY', 'DISK', 'IMAGE', 'UPTIME'], vms.map(v => [
      v.name, v.state, v.desired, String(v.vcpus), formatSize(v.memoryBytes), formatSize(v.disk.virtualBytes),
      `${v.image.name}@${v.image.version}`, v.uptimeSeconds != null ? `${v.uptimeSeconds} s` : '-'
    ])))
    return 0
  }
}

export const vmShowCommand: Command = {
  name: 'vm show',
  summary: 'show one VM: state, uptime, vCPUs/memory, disk path and size, host',
  usage: `novacron vm show NAME ${where}`,
  options: CLIENT_OPTIONS,
  positionals: [1, 1],
  async run (args, io) {
    return await output(args, io, await (await ApiClient.fromArgs(args, io)).get<VmView>(`/api/v1/vms/${nameArg(args)}`))
  }
}

export const vmStartCommand: Command = {
  name: 'vm start',
  summary: 'start a stopped VM',
  usage: `novacron vm start NAME ${where}`,
  options: CLIENT_OPTIONS,
  positionals: [1, 1],
  async run (args, io) {
    return await output(args, io, await (await ApiClient.fromArgs(args, io)).request<VmView>('POST', `/api/v1/vms/${nameArg(args)}/start`))
  }
}

export const vmStopCommand: Command = {
  name: 'vm stop',
  summary: 'stop a VM: ACPI shutdown, forced after the stop timeout (--force: at once)',
  usage: `novacron vm stop NAME [--force] ${where}`,
  options: { ...CLIENT_OPTIONS, force: { type: 'boolean' } },
  positionals: [1, 1],
  async run (args, io) {
    // a graceful stop waits up to the node's stop timeout (config vms.stopTimeoutSeconds, at most 1 h)
    const client = await ApiClient.fromArgs(args, io, { timeoutMs: STOP_TIMEOUT_MS })
    const res = await client.request<StopResult>('POST', `/api/v1/vms/${nameArg(args)}/stop`, { force: flag(args, 'force') })
    if (flag(args, 'json')) {
      writeJson(io, res)
      return 0
    }
    io.stdout.write(`${res.vm.name}: ${res.vm.state}${res.forced ? ' (forced)' : ''}\n`)
    return 0
  }
}

export const vmDeleteCommand: Command = {
  name: 'vm delete',
  summary: 'delete a VM: stop it, remove its domain and its disk',
  usage: `novacron vm delete NAME ${where}`,
  options: CLIENT_OPTIONS,
  positionals: [1, 1],
  async run (args, io) {
    const res = await (await ApiClient.fromArgs(args, io)).request<{ deleted: string }>('DELETE', `/api/v1/vms/${nameArg(args)}`)
    if (flag(args, 'json')) writeJson(io, res)
    else io.stdout.write(`deleted ${res.deleted}\n`)
    return 0
  }
}

export const VM_COMMANDS: Command[] = [vmCreateCommand, vmListCommand, vmShowCommand, vmStartCommand, vmStopCommand, vmDeleteCommand]
