/** Defaults and limits of the VM service. */

/** libvirt connection URI when the `vms` config section names none. */
export const DEFAULT_LIBVIRT_URI = 'qemu:///system'
/** A graceful stop (ACPI shutdown) is forced (destroy) after this long. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 60
/** VM disks (bases and per-VM overlays) live here; relative paths are under the data dir. */
export const DEFAULT_IMAGES_DIR = 'vms'
/** Host memory the VM service never hands to VMs (the host OS, QEMU overhead). */
export const DEFAULT_RESERVED_MEMORY_BYTES = 256 * 1024 * 1024
/** How often the service re-reads domain states to notice changes made outside it (guest power-off). */
export const DEFAULT_WATCH_INTERVAL_MS = 5_000
/** How often a pending graceful stop polls the domain state. */
export const STOP_POLL_INTERVAL_MS = 250
/** Every `virsh` / `qemu-img` child process is killed after this long. */
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000

/** XML namespace of the ownership marker in a domain's <metadata>. */
export const OWNER_XML_NS = 'https://novacron.dev/xmlns/vm/1'
/** Element prefix used for the marker (libvirt keeps one element per namespace). */
export const OWNER_XML_PREFIX = 'novacron'

/** Spec limits. */
export const MAX_VCPUS = 256
export const MIN_MEMORY_BYTES = 16 * 1024 * 1024
export const MAX_MEMORY_BYTES = 4 * 1024 ** 4
export const MAX_DISK_BYTES = 64 * 1024 ** 4
export const MAX_GPUS = 16
export const MAX_CMDLINE_LENGTH = 4096
export const MAX_PATH_LENGTH = 4096
