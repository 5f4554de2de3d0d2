import { execFile } from 'node:child_process'
import { open, stat, rm, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { ImageSourceError, diskFullOr } from '../errors.js'

const run = promisify(execFile)

export type SourceFormat = 'raw' | 'qcow2'
/** qcow2 files start with "QFI\xfb". */
const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb])
/** qemu-img output we read is small; bound it anyway. */
const QEMU_IMG_MAX_OUTPUT = 1024 * 1024

export interface RawSource {
  /** A raw disk file to chunk. */
  path: string
  format: SourceFormat
  /** Remove the temporary raw file (qcow2 conversions); a no-op for raw sources. */
  cleanup: () => Promise<void>
}

/** Detect raw vs qcow2 from the file's magic. */
export async function sniffFormat (path: string): Promise<SourceFormat> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await fh.read(head, 0, 4, 0)
    return bytesRead === 4 && head.equals(QCOW2_MAGIC) ? 'qcow2' : 'raw'
  } finally {
    await fh.close()
  }
}

/**
 * Check the file an import names and give back a raw disk to chunk: the file itself when raw; for qcow2 a sparse
 * raw copy made by `qemu-img convert -O raw` in `tmpDir` (refusing qcow2 files with a backing file, which could
 * name any file on the host).
 */
export async function openSource (path: string, opts: { format?: SourceFormat, tmpDir: string, qemuImg?: string }): Promise<RawSource> {
  const qemuImg = opts.qemuImg ?? 'qemu-img'
  let st
  try {
    st = await stat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ImageSourceError('file', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(err)}`, code === 'ENOENT' ? 'ERR_IMAGE_SOURCE_NOT_FOUND' : 'ERR_IMAGE_SOURCE')
  }
  if (!st.isFile()) throw new ImageSourceError('file', `${path} is not a regular file`)
  if (st.size === 0) throw new ImageSourceError('file', `${path} is empty`)
  let format: SourceFormat
  try {
    format = opts.format ?? await sniffFormat(path)
  } catch (err) {
    throw new ImageSourceError('file', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  if (format === 'raw') return { path, format, cleanup: async () => {} }

  const info = await qemuImgInfo(qemuImg, path)
  if (info.format !== 'qcow2') throw new ImageSourceError('file', `${path} is not a qcow2 image (qemu-img says ${info.format})`, 'ERR_IMAGE_FORMAT')
  if (info['backing-filename'] !== undefined) throw new ImageSourceError('file', `${path} has a backing file; flatten it first (qemu-img convert)`, 'ERR_IMAGE_FORMAT')
  await mkdir(opts.tmpDir, { recursive: true })
  const tmp = join(opts.tmpDir, `import-${randomBytes(6).toString('hex')}.raw`)
  const cleanup = async (): Promise<void> => { await rm(tmp, { force: true }) }
  try {
    await run(qemuImg, ['convert', '-q', '-f', 'qcow2', '-O', 'raw', path, tmp], { maxBuffer: QEMU_IMG_MAX_OUTPUT })
  } catch (err) {
    await cleanup()
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim()
    if (/No space left/i.test(stderr)) throw diskFullOr(Object.assign(new Error(stderr), { code: 'ENOSPC' }), 'the converted qcow2 image')
    throw new ImageSourceError('file', `qemu-img could not convert ${path}: ${stderr.slice(0, 500) || (err as Error).message}`, 'ERR_IMAGE_FORMAT')
  }
  return { path: tmp, format, cleanup }
}

async function qemuImgInfo (qemuImg: string, path: string): Promise<Record<string, unknown>> {
  let stdout: string
  try {
    ({ stdout } = await run(qemuImg, ['info', '--output=json', '-f', 'qcow2', path], { maxBuffer: QEMU_IMG_MAX_OUTPUT }))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ImageSourceError('file', `${qemuImg} is not installed; it is needed to import qcow2 images`, 'ERR_QEMU_IMG_MISSING')
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim()
    throw new ImageSourceError('file', `qemu-img cannot read ${path}: ${stderr.slice(0, 500) || (err as Error).message}`, 'ERR_IMAGE_FORMAT')
  }
  try {
    return JSON.parse(stdout) as Record<string, unknown>
  } catch {
    throw new ImageSourceError('file', `qemu-img info gave unparseable output for ${path}`, 'ERR_IMAGE_FORMAT')
  }
}
