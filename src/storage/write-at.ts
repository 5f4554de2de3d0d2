import type { FileHandle } from 'node:fs/promises'

/**
 * Write `parts` (`length` bytes in all) at `position` of `fh` with one positional writev. A short write to a regular
 * file means the file system filled up: it throws an ENOSPC error that names `what` was written (the callers turn
 * ENOSPC into their disk-full errors).
 */
export async function writeAt (fh: FileHandle, parts: readonly Uint8Array[], position: number, length: number, what: string): Promise<void> {
  const { bytesWritten } = await fh.writev(parts as Uint8Array[], position)
  if (bytesWritten !== length) throw Object.assign(new Error(`short write to ${what} at offset ${position}: ${bytesWritten} of ${length} bytes`), { code: 'ENOSPC' })
}
