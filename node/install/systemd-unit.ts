/** The systemd unit of an installed node: restart on failure, read-only system, no privileges beyond libvirt access. */
export interface UnitOptions {
  /** Absolute path of the launcher on the target system, e.g. /opt/novacron/current/bin/novacron. */
  execPath: string
  dataDir: string
  user: string
  /** Extra groups that grant hypervisor access (libvirt, kvm), those that exist on the target. */
  groups: string[]
  /** `node` (default) or `bootstrap` (a seed server: no hypervisor, so no libvirt ordering or groups). */
  role?: 'node' | 'bootstrap'
}

export const UNIT_NAME = 'novacron.service'

/**
 * Render the unit. Hardening notes:
 * - ProtectSystem=strict: the whole file system is read-only for the node except its data dir.
 * - No capabilities at all: the node listens on unprivileged ports and reaches libvirtd through its unix socket
 *   (membership of the `libvirt` group); QEMU runs under libvirtd, not under the node.
 * - MemoryDenyWriteExecute is NOT set: V8's JIT needs writable+executable pages.
 * - PrivateDevices is NOT set: GPU inventory (`nvidia-smi`) needs /dev/nvidia*; DevicePolicy keeps the rest closed.
 */
export function renderUnit ({ execPath, dataDir, user, groups, role = 'node' }: UnitOptions): string {
  const seed = role === 'bootstrap'
  const lines = [
    '# Installed by `novacron install`; `novacron uninstall` removes it. Local changes belong in a drop-in:',
    '#   systemctl edit novacron',
    '[Unit]',
    seed ? 'Description=NovaCron Mesh bootstrap seed (DHT server and gossip relay)' : 'Description=NovaCron Mesh node (edge-first peer-to-peer VM platform)',
    'Documentation=https://github.com/novacron/novacron-mesh',
    'Wants=network-online.target',
    seed ? 'After=network-online.target' : 'After=network-online.target libvirtd.service',
    '',
    '[Service]',
    'Type=simple',
    `User=${user}`,
    `Group=${user}`,
    ...(groups.length > 0 && !seed ? [`SupplementaryGroups=${groups.join(' ')}`] : []),
    `Environment=NOVACRON_DATA_DIR=${dataDir}`,
    `ExecStart=${execPath} ${role} start --data-dir ${dataDir}`,
    'Restart=on-failure',
    'RestartSec=5s',
    'TimeoutStopSec=20s',
    'KillSignal=SIGTERM',
    'UMask=0077',
    'LimitNOFILE=65536',
    '',
    '# hardening',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${dataDir}`,
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'DevicePolicy=closed',
    'DeviceAllow=char-nvidia-frontend rw',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictSUIDSGID=yes',
    'RestrictRealtime=yes',
    'RestrictNamespaces=yes',
    'LockPersonality=yes',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'SystemCallArchitectures=native',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    ''
  ]
  return lines.join('\n')
}
