import { describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chooseDomainType } from '../../src/vms/libvirt-hypervisor.js'
import { parseCreateVm, parseSize } from '../../src/vms/spec.js'
import { buildDomainXml, readOwner } from '../../src/vms/domain-xml.js'
import { vmsConfigSection } from '../../src/vms/config.js'
import { InvalidInputError } from '../../src/errors.js'
import { FieldProblem } from '../../src/config/fields.js'

function fieldOf (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof InvalidInputError) return err.field
    if (err instanceof FieldProblem) return err.field
    throw err
  }
  return undefined
}

const ok = { name: 'web-1', image: 'debian', vcpus: 2, memory: '512M' }

describe('VM spec validation', () => {
  it('parses a minimal request with defaults', () => {
    const { spec, start } = parseCreateVm(ok)
    expect(spec).toEqual({ name: 'web-1', image: 'debian', vcpus: 2, memoryBytes: 512 * 1024 * 1024, network: 'none', labels: {}, gpus: 0 })
    expect(start).toBe(true)
  })

  it('parses sizes in binary units', () => {
    expect(parseSize('1G', 'x')).toBe(1024 ** 3)
    expect(parseSize('1GiB', 'x')).toBe(1024 ** 3)
    expect(parseSize('64k', 'x')).toBe(65536)
    expect(parseSize(4096, 'x')).toBe(4096)
    expect(fieldOf(() => parseSize('12 parsecs', 'memory'))).toBe('memory')
    expect(fieldOf(() => parseSize(-1, 'memory'))).toBe('memory')
  })

  it.each([
    [{ ...ok, name: '-bad' }, 'name'],
    [{ ...ok, name: undefined }, 'name'],
    [{ ...ok, image: 'a b' }, 'image'],
    [{ ...ok, vcpus: 0 }, 'vcpus'],
    [{ ...ok, vcpus: 1.5 }, 'vcpus'],
    [{ ...ok, vcpus: 'two' }, 'vcpus'],
    [{ ...ok, memory: '1M' }, 'memory'],
    [{ ...ok, memory: undefined }, 'memory'],
    [{ ...ok, diskSize: 'huge' }, 'diskSize'],
    [{ ...ok, kernel: 'relative/vmlinuz' }, 'kernel'],
    [{ ...ok, initrd: '/boot/initrd' }, 'initrd'],
    [{ ...ok, network: 'bridge' }, 'network'],
    [{ ...ok, labels: { 'Bad Key': 'x' } }, 'labels.Bad Key'],
    [{ ...ok, gpus: -1 }, 'gpus'],
    [{ ...ok, start: 'yes' }, 'start'],
    [{ ...ok, colour: 'blue' }, 'colour'],
    [[1, 2], '(body)']
  ])('rejects %j naming field %s', (body, field) => {
    let err: unknown
    try {
      parseCreateVm(body)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(InvalidInputError)
    expect((err as InvalidInputError).code).toBe('ERR_INVALID_VM_SPEC')
    expect((err as InvalidInputError).field).toBe(field)
  })
})

describe('domain XML', () => {
  const spec = parseCreateVm({ ...ok, kernel: '/k/vmlinuz', initrd: '/k/initrd', cmdline: "console=ttyS0 x='<&>'", network: 'user' }).spec

  it('marks the owner and escapes every value', () => {
    const xml = buildDomainXml({ spec, owner: '12D3KooWowner', domainType: 'qemu', diskPath: "/v/it's.qcow2", consoleLogPath: '/v/c.log' })
    expect(readOwner(xml)).toBe('12D3KooWowner')
    expect(xml).toContain("<domain type='qemu'>")
    expect(xml).toContain('<cmdline>console=ttyS0 x=&apos;&lt;&amp;&gt;&apos;</cmdline>')
    expect(xml).toContain("<source file='/v/it&apos;s.qcow2'/>")
    expect(xml).toContain("<memory unit='KiB'>524288</memory>")
    expect(xml).toContain('<vcpu>2</vcpu>')
    expect(xml).toContain("<interface type='user'>")
    expect(xml).not.toContain('<graphics')
  })

  it('finds the marker under any prefix and ignores foreign metadata', () => {
    const other = "<domain><metadata><x:vm xmlns:x=\"https://novacron.dev/xmlns/vm/1\"><x:owner>peerB</x:owner></x:vm></metadata></domain>"
    expect(readOwner(other)).toBe('peerB')
    expect(readOwner("<domain><metadata><y:vm xmlns:y=\"https://example.com/ns\"><y:owner>peerB</y:owner></y:vm></metadata></domain>")).toBeUndefined()
    expect(readOwner('<domain><name>plain</name></domain>')).toBeUndefined()
  })
})

describe('vms config section', () => {
  it('fills defaults', () => {
    expect(vmsConfigSection.parse({}, 'vms')).toEqual({ libvirtUri: 'qemu:///system', stopTimeoutSeconds: 60, imagesDir: 'vms', accel: 'auto', reservedMemoryMiB: 256 })
  })

  it.each([
    [{ libvirtUri: 'not a uri' }, 'vms.libvirtUri'],
    [{ stopTimeoutSeconds: 0 }, 'vms.stopTimeoutSeconds'],
    [{ accel: 'hvf' }, 'vms.accel'],
    [{ surprise: 1 }, 'vms.surprise']
  ])('rejects %j naming %s', (raw, field) => {
    expect(fieldOf(() => vmsConfigSection.parse(raw, 'vms'))).toBe(field)
  })
})

describe('domain type choice', () => {
  it('uses KVM only when /dev/kvm opens and the CPU has vmx/svm, TCG otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vm-kvm-'))
    try {
      const dev = join(dir, 'kvm')
      await writeFile(dev, '')
      await writeFile(join(dir, 'vmx'), 'processor\t: 0\nflags\t\t: fpu vme vmx sse2\n')
      await writeFile(join(dir, 'novmx'), 'processor\t: 0\nflags\t\t: fpu vme sse2\n')
      expect(await chooseDomainType('qemu:///system', 'auto', dev, join(dir, 'vmx'))).toBe('kvm')
      expect(await chooseDomainType('qemu:///system', 'auto', dev, join(dir, 'novmx'))).toBe('qemu')
      expect(await chooseDomainType('qemu:///system', 'auto', join(dir, 'absent'), join(dir, 'vmx'))).toBe('qemu')
      expect(await chooseDomainType('qemu:///system', 'kvm', join(dir, 'absent'))).toBe('kvm')
      expect(await chooseDomainType('test:///default', 'kvm')).toBe('test')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
