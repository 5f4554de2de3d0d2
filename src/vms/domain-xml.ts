import { OWNER_XML_NS, OWNER_XML_PREFIX } from './constants.js'
import type { VmSpec } from './spec.js'

/** `kvm` (hardware), `qemu` (TCG emulation), `test` (libvirt's test:///default driver). */
export type DomainType = 'kvm' | 'qemu' | 'test'

export interface DomainXmlInit {
  spec: VmSpec
  /** Domain UUID; libvirt picks one when absent. */
  uuid?: string
  /** Peer ID of the owning node: written into the ownership marker. */
  owner: string
  domainType: DomainType
  /** The VM's disk (qcow2 overlay). */
  diskPath: string
  /** Where the serial console is logged; absent: no serial device. */
  consoleLogPath?: string
}

export function escapeXml (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

function unescapeXml (s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
}

/** The ownership marker: a namespaced element in <metadata> naming the owning node's peer ID. */
export function ownerMetadata (owner: string, vmName: string): string {
  const p = OWNER_XML_PREFIX
  return `<${p}:vm xmlns:${p}="${OWNER_XML_NS}"><${p}:owner>${escapeXml(owner)}</${p}:owner><${p}:name>${escapeXml(vmName)}</${p}:name></${p}:vm>`
}

/**
 * The owner peer ID in a domain's XML, or undefined when it has no novacron marker. libvirt may rewrite
 * the prefix, so the prefix is found through the namespace URI.
 */
export function readOwner (domainXml: string): string | undefined {
  const metadata = /<metadata>([\s\S]*?)<\/metadata>/.exec(domainXml)?.[1]
  if (metadata == null) return undefined
  const nsUri = OWNER_XML_NS.replace(/[.*+?^$()|[\]\\/]/g, '\\$&')
  const prefix = new RegExp(`xmlns:([A-Za-z_][A-Za-z0-9_.-]*)=["']${nsUri}["']`).exec(metadata)?.[1]
  if (prefix == null) return undefined
  const owner = new RegExp(`<${prefix}:owner>([^<]{1,200})</${prefix}:owner>`).exec(metadata)?.[1]
  return owner == null ? undefined : unescapeXml(owner)
}

/** Domain XML for a VM spec. Every value is escaped; no graphics (headless edge hosts). */
export function buildDomainXml ({ spec, uuid, owner, domainType, diskPath, consoleLogPath }: DomainXmlInit): string {
  const e = escapeXml
  const memKiB = Math.ceil(spec.memoryBytes / 1024)
  const os = [
    domainType === 'test' ? '<type>hvm</type>' : "<type arch='x86_64' machine='pc'>hvm</type>",
    spec.kernel != null ? `<kernel>${e(spec.kernel)}</kernel>` : '',
    spec.initrd != null ? `<initrd>${e(spec.initrd)}</initrd>` : '',
    spec.cmdline != null ? `<cmdline>${e(spec.cmdline)}</cmdline>` : '',
    spec.kernel == null ? "<boot dev='hd'/>" : ''
  ].filter(s => s !== '').join('\n    ')
  const devices = [
    `<disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${e(diskPath)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>`,
    spec.network === 'user' ? "<interface type='user'><model type='virtio'/></interface>" : '',
    consoleLogPath != null && domainType !== 'test'
      ? `<serial type='file'><source path='${e(consoleLogPath)}'/><target port='0'/></serial>`
      : '',
    domainType !== 'test' ? "<memballoon model='none'/>" : ''
  ].filter(s => s !== '').join('\n    ')
  return `<domain type='${domainType}'>
  <name>${e(spec.name)}</name>
  ${uuid != null ? `<uuid>${e(uuid)}</uuid>` : ''}
  <metadata>${ownerMetadata(owner, spec.name)}</metadata>
  <memory unit='KiB'>${memKiB}</memory>
  <currentMemory unit='KiB'>${memKiB}</currentMemory>
  <vcpu>${spec.vcpus}</vcpu>
  <os>
    ${os}
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    ${devices}
  </devices>
</domain>
`
}
