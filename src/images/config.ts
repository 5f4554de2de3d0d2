import type { SectionParser } from '../config/schema.js'
import { FieldProblem, readInt, readString, rejectUnknown, type Raw } from '../config/fields.js'
import { DEFAULT_CHUNKING } from './constants.js'
import { checkChunkingParams, MAX_CHUNK_BYTES, MIN_CHUNK_BYTES, type ChunkingParams } from './chunker/params.js'
import { InvalidInputError } from '../errors.js'

/** The `images` section of config.json. */
export interface ImagesConfig {
  /** FastCDC sizes. Every node of a cluster should use the same, or identical data gets different chunk IDs. */
  chunkMinBytes: number
  chunkAvgBytes: number
  chunkMaxBytes: number
  /** qemu-img binary used for qcow2 imports. @default 'qemu-img' */
  qemuImg: string
}

const FIELDS = ['chunkMinBytes', 'chunkAvgBytes', 'chunkMaxBytes', 'qemuImg'] as const

export const imagesConfigSection: SectionParser = {
  key: 'images',
  parse (raw: Raw, path: string): ImagesConfig {
    rejectUnknown(raw, FIELDS, path)
    const size = (key: string, def: number): number => readInt(raw, key, `${path}.${key}`, { default: def, min: MIN_CHUNK_BYTES, max: MAX_CHUNK_BYTES })
    const chunking = {
      minBytes: size('chunkMinBytes', DEFAULT_CHUNKING.minBytes),
      avgBytes: size('chunkAvgBytes', DEFAULT_CHUNKING.avgBytes),
      maxBytes: size('chunkMaxBytes', DEFAULT_CHUNKING.maxBytes)
    }
    try {
      checkChunkingParams(chunking, path)
    } catch (err) {
      if (err instanceof InvalidInputError) throw new FieldProblem(err.field.replace(/\.(min|avg|max)Bytes$/, (_m, k: string) => `.chunk${k[0]!.toUpperCase()}${k.slice(1)}Bytes`), err.message)
      throw err
    }
    const qemuImg = readString(raw, 'qemuImg', `${path}.qemuImg`, { default: 'qemu-img', max: 4096 })
    if (qemuImg === '' || qemuImg.includes('\0')) throw new FieldProblem(`${path}.qemuImg`, 'must be a program name or path')
    return { chunkMinBytes: chunking.minBytes, chunkAvgBytes: chunking.avgBytes, chunkMaxBytes: chunking.maxBytes, qemuImg }
  }
}

/** The section as parsed (or its defaults when config.json has none), with the chunk sizes as ChunkingParams. */
export function imagesConfigOf (sections: Record<string, unknown>): ImagesConfig & { chunking: ChunkingParams } {
  const c = (sections.images as ImagesConfig | undefined) ?? imagesConfigSection.parse({}, 'images') as ImagesConfig
  return { ...c, chunking: { minBytes: c.chunkMinBytes, avgBytes: c.chunkAvgBytes, maxBytes: c.chunkMaxBytes } }
}
