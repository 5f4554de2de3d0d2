import { describe, expect, it } from 'vitest'
import { renderUnit } from '../../node/install/systemd-unit.js'

const base = { execPath: '/opt/novacron/current/bin/novacron', dataDir: '/var/lib/novacron', user: 'novacron', groups: ['libvirt', 'kvm'] }
const keys = (unit: string): string[] => unit.split('\n').filter(l => /^[A-Za-z]+=/.test(l))

describe('systemd unit', () => {
  it('runs a node with hypervisor groups, restart on failure and a read-only system except the data dir', () => {
    const lines = keys(renderUnit(base))
    expect(lines).toEqual(expect.arrayContaining([
      'ExecStart=/opt/novacron/current/bin/novacron node start --data-dir /var/lib/novacron', 'SupplementaryGroups=libvirt kvm',
      'After=network-online.target libvirtd.service', 'Restart=on-failure', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/novacron',
      'NoNewPrivileges=yes', 'CapabilityBoundingSet=', 'ProtectHome=yes', 'PrivateTmp=yes'
    ]))
    // V8's JIT needs W+X pages: this must never be set
    expect(lines.some(l => l.startsWith('MemoryDenyWriteExecute='))).toBe(false)
  })

  it('runs a bootstrap seed without libvirt ordering or hypervisor groups', () => {
    const lines = keys(renderUnit({ ...base, role: 'bootstrap' }))
    expect(lines).toContain('ExecStart=/opt/novacron/current/bin/novacron bootstrap start --data-dir /var/lib/novacron')
    expect(lines).toContain('After=network-online.target')
    expect(lines.some(l => l.startsWith('SupplementaryGroups='))).toBe(false)
  })

  it('omits SupplementaryGroups when no hypervisor group exists', () => {
    expect(keys(renderUnit({ ...base, groups: [] })).some(l => l.startsWith('SupplementaryGroups='))).toBe(false)
  })
})
