import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChunkRequest {
  type: ChunkRequest.Type
  id: number
  name: string
  version: string
  chunk: Uint8Array<ArrayBuffer>
  acceptLz4: boolean
  haveEpoch: number
  haveCursor: number
  base: string
  acceptPacked: boolean
  wantPeers: boolean
}

export namespace ChunkRequest {
  export enum Type {
    GET_MANIFEST = 'GET_MANIFEST',
    GET_HAVE = 'GET_HAVE',
    GET_CHUNK = 'GET_CHUNK',
    CANCEL = 'CANCEL'
  }

  enum __TypeValues {
    GET_MANIFEST = 0,
    GET_HAVE = 1,
    GET_CHUNK = 2,
    CANCEL = 3
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<ChunkRequest>

  export const codec = (): Codec<ChunkRequest> => {
    if (_codec == null) {
      _codec = message<ChunkRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          ChunkRequest.Type.codec().encode(obj.type, w)
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(16)
          w.uint32(obj.id)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(26)
          w.string(obj.name)
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(34)
          w.string(obj.version)
        }

        if ((obj.chunk != null && obj.chunk.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.chunk)
        }

        if ((obj.acceptLz4 != null && obj.acceptLz4 !== false)) {
          w.uint32(48)
          w.bool(obj.acceptLz4)
        }

        if ((obj.haveEpoch != null && obj.haveEpoch !== 0)) {
          w.uint32(56)
          w.uint32(obj.haveEpoch)
        }

        if ((obj.haveCursor != null && obj.haveCursor !== 0)) {
          w.uint32(64)
          w.uint32(obj.haveCursor)
        }

        if ((obj.base != null && obj.base !== '')) {
          w.uint32(74)
          w.string(obj.base)
        }

        if ((obj.acceptPacked != null && obj.acceptPacked !== false)) {
          w.uint32(80)
          w.bool(obj.acceptPacked)
        }

        if ((obj.wantPeers != null && obj.wantPeers !== false)) {
          w.uint32(88)
          w.bool(obj.wantPeers)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.GET_MANIFEST,
          id: 0,
          name: '',
          version: '',
          chunk: uint8ArrayAlloc(0),
          acceptLz4: false,
          haveEpoch: 0,
          haveCursor: 0,
          base: '',
          acceptPacked: false,
          wantPeers: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = ChunkRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.id = reader.uint32()
              break
            }
            case 3: {
              obj.name = reader.string()
              break
            }
            case 4: {
              obj.version = reader.string()
              break
            }
            case 5: {
              obj.chunk = reader.bytes()
              break
            }
            case 6: {
              obj.acceptLz4 = reader.bool()
              break
            }
            case 7: {
              obj.haveEpoch = reader.uint32()
              break
            }
            case 8: {
              obj.haveCursor = reader.uint32()
              break
            }
            case 9: {
              obj.base = reader.string()
              break
            }
            case 10: {
              obj.acceptPacked = reader.bool()
              break
            }
            case 11: {
              obj.wantPeers = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: ChunkRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunk`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.acceptLz4`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.haveEpoch`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.haveCursor`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.base`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.acceptPacked`,
                value: reader.bool()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.wantPeers`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChunkRequestTypeFieldEvent {
    field: '$.type'
    value: ChunkRequest.Type
  }

  export interface ChunkRequestIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface ChunkRequestNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ChunkRequestVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export interface ChunkRequestChunkFieldEvent {
    field: '$.chunk'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestAcceptLz4FieldEvent {
    field: '$.acceptLz4'
    value: boolean
  }

  export interface ChunkRequestHaveEpochFieldEvent {
    field: '$.haveEpoch'
    value: number
  }

  export interface ChunkRequestHaveCursorFieldEvent {
    field: '$.haveCursor'
    value: number
  }

  export interface ChunkRequestBaseFieldEvent {
    field: '$.base'
    value: string
  }

  export interface ChunkRequestAcceptPackedFieldEvent {
    field: '$.acceptPacked'
    value: boolean
  }

  export interface ChunkRequestWantPeersFieldEvent {
    field: '$.wantPeers'
    value: boolean
  }

  export function encode (obj: Partial<ChunkRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChunkRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): ChunkRequest {
    return decodeMessage(buf, ChunkRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): Generator<ChunkRequestTypeFieldEvent | ChunkRequestIdFieldEvent | ChunkRequestNameFieldEvent | ChunkRequestVersionFieldEvent | ChunkRequestChunkFieldEvent | ChunkRequestAcceptLz4FieldEvent | ChunkRequestHaveEpochFieldEvent | ChunkRequestHaveCursorFieldEvent | ChunkRequestBaseFieldEvent | ChunkRequestAcceptPackedFieldEvent | ChunkRequestWantPeersFieldEvent> {
    return streamMessage(buf, ChunkRequest.codec(), opts)
  }
}

export interface WireChunkRef {
  id: Uint8Array<ArrayBuffer>
  size: number
  zero: boolean
}

export namespace WireChunkRef {
  let _codec: Codec<WireChunkRef>

  export const codec = (): Codec<WireChunkRef> => {
    if (_codec == null) {
      _codec = message<WireChunkRef>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(16)
          w.uint32(obj.size)
        }

        if ((obj.zero != null && obj.zero !== false)) {
          w.uint32(24)
          w.bool(obj.zero)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          size: 0,
          zero: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.size = reader.uint32()
              break
            }
            case 3: {
              obj.zero = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.zero`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WireChunkRefIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WireChunkRefSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface WireChunkRefZeroFieldEvent {
    field: '$.zero'
    value: boolean
  }

  export function encode (obj: Partial<WireChunkRef>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireChunkRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireChunkRef>): WireChunkRef {
    return decodeMessage(buf, WireChunkRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireChunkRef>): Generator<WireChunkRefIdFieldEvent | WireChunkRefSizeFieldEvent | WireChunkRefZeroFieldEvent> {
    return streamMessage(buf, WireChunkRef.codec(), opts)
  }
}

export interface WireManifest {
  name: string
  version: string
  size: number
  chunks: WireChunkRef[]
  author: string
  createdAt: number
  signature: Uint8Array<ArrayBuffer>
  packed: Uint8Array<ArrayBuffer>
}

export namespace WireManifest {
  let _codec: Codec<WireManifest>

  export const codec = (): Codec<WireManifest> => {
    if (_codec == null) {
      _codec = message<WireManifest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(18)
          w.string(obj.version)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.size)
        }

        if (obj.chunks != null && obj.chunks.length > 0) {
          for (const value of obj.chunks) {
            w.uint32(34)
            WireChunkRef.codec().encode(value, w)
          }
        }

        if ((obj.author != null && obj.author !== '')) {
          w.uint32(42)
          w.string(obj.author)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if ((obj.packed != null && obj.packed.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.packed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          version: '',
          size: 0,
          chunks: [],
          author: '',
          createdAt: 0,
          signature: uint8ArrayAlloc(0),
          packed: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.version = reader.string()
              break
            }
            case 3: {
              obj.size = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.chunks != null && obj.chunks.length === opts.limits.chunks) {
                throw new MaxLengthError('Decode error - repeated field "chunks" had too many elements')
              }

              obj.chunks.push(WireChunkRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunks$
              }))
              break
            }
            case 5: {
              obj.author = reader.string()
              break
            }
            case 6: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            case 8: {
              obj.packed = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          chunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.chunks != null && obj.chunks === opts.limits.chunks) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunks" had too many elements')
              }

              for (const evt of WireChunkRef.codec().stream(reader, reader.uint32(), `${prefix}.chunks[]`, {
                limits: opts.limits?.chunks$
              })) {
                yield {
                  ...evt,
                  index: obj.chunks
                }
              }

              obj.chunks++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.author`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.packed`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WireManifestNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface WireManifestVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export interface WireManifestSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface WireManifestChunksIdFieldEvent {
    field: '$.chunks[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface WireManifestChunksSizeFieldEvent {
    field: '$.chunks[].size'
    value: number
    index: number
  }

  export interface WireManifestChunksZeroFieldEvent {
    field: '$.chunks[].zero'
    value: boolean
    index: number
  }

  export interface WireManifestAuthorFieldEvent {
    field: '$.author'
    value: string
  }

  export interface WireManifestCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface WireManifestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WireManifestPackedFieldEvent {
    field: '$.packed'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<WireManifest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireManifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireManifest>): WireManifest {
    return decodeMessage(buf, WireManifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireManifest>): Generator<WireManifestNameFieldEvent | WireManifestVersionFieldEvent | WireManifestSizeFieldEvent | WireManifestChunksIdFieldEvent | WireManifestChunksSizeFieldEvent | WireManifestChunksZeroFieldEvent | WireManifestAuthorFieldEvent | WireManifestCreatedAtFieldEvent | WireManifestSignatureFieldEvent | WireManifestPackedFieldEvent> {
    return streamMessage(buf, WireManifest.codec(), opts)
  }
}

export interface DeltaOp {
  start: number
  count: number
  ref?: WireChunkRef
}

export namespace DeltaOp {
  let _codec: Codec<DeltaOp>

  export const codec = (): Codec<DeltaOp> => {
    if (_codec == null) {
      _codec = message<DeltaOp>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.start != null && obj.start !== 0)) {
          w.uint32(8)
          w.uint32(obj.start)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(16)
          w.uint32(obj.count)
        }

        if (obj.ref != null) {
          w.uint32(26)
          WireChunkRef.codec().encode(obj.ref, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          start: 0,
          count: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.start = reader.uint32()
              break
            }
            case 2: {
              obj.count = reader.uint32()
              break
            }
            case 3: {
              obj.ref = WireChunkRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ref
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.start`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield * WireChunkRef.codec().stream(reader, reader.uint32(), `${prefix}.ref`, {
                limits: opts.limits?.ref
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DeltaOpStartFieldEvent {
    field: '$.start'
    value: number
  }

  export interface DeltaOpCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface DeltaOpRefIdFieldEvent {
    field: '$.ref.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeltaOpRefSizeFieldEvent {
    field: '$.ref.size'
    value: number
  }

  export interface DeltaOpRefZeroFieldEvent {
    field: '$.ref.zero'
    value: boolean
  }

  export function encode (obj: Partial<DeltaOp>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeltaOp.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeltaOp>): DeltaOp {
    return decodeMessage(buf, DeltaOp.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeltaOp>): Generator<DeltaOpStartFieldEvent | DeltaOpCountFieldEvent | DeltaOpRefIdFieldEvent | DeltaOpRefSizeFieldEvent | DeltaOpRefZeroFieldEvent> {
    return streamMessage(buf, DeltaOp.codec(), opts)
  }
}

export interface ManifestDelta {
  name: string
  version: string
  size: number
  author: string
  createdAt: number
  signature: Uint8Array<ArrayBuffer>
  base: string
  ops: DeltaOp[]
}

export namespace ManifestDelta {
  let _codec: Codec<ManifestDelta>

  export const codec = (): Codec<ManifestDelta> => {
    if (_codec == null) {
      _codec = message<ManifestDelta>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(18)
          w.string(obj.version)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.size)
        }

        if ((obj.author != null && obj.author !== '')) {
          w.uint32(34)
          w.string(obj.author)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.signature)
        }

        if ((obj.base != null && obj.base !== '')) {
          w.uint32(58)
          w.string(obj.base)
        }

        if (obj.ops != null && obj.ops.length > 0) {
          for (const value of obj.ops) {
            w.uint32(66)
            DeltaOp.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          version: '',
          size: 0,
          author: '',
          createdAt: 0,
          signature: uint8ArrayAlloc(0),
          base: '',
          ops: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.version = reader.string()
              break
            }
            case 3: {
              obj.size = reader.uint64Number()
              break
            }
            case 4: {
              obj.author = reader.string()
              break
            }
            case 5: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.signature = reader.bytes()
              break
            }
            case 7: {
              obj.base = reader.string()
              break
            }
            case 8: {
              if (opts.limits?.ops != null && obj.ops.length === opts.limits.ops) {
                throw new MaxLengthError('Decode error - repeated field "ops" had too many elements')
              }

              obj.ops.push(DeltaOp.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ops$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ops: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.author`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.base`,
                value: reader.string()
              }
              break
            }
            case 8: {
              if (opts.limits?.ops != null && obj.ops === opts.limits.ops) {
                throw new MaxLengthError('Streaming decode error - repeated field "ops" had too many elements')
              }

              for (const evt of DeltaOp.codec().stream(reader, reader.uint32(), `${prefix}.ops[]`, {
                limits: opts.limits?.ops$
              })) {
                yield {
                  ...evt,
                  index: obj.ops
                }
              }

              obj.ops++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ManifestDeltaNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ManifestDeltaVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export interface ManifestDeltaSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface ManifestDeltaAuthorFieldEvent {
    field: '$.author'
    value: string
  }

  export interface ManifestDeltaCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface ManifestDeltaSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestDeltaBaseFieldEvent {
    field: '$.base'
    value: string
  }

  export interface ManifestDeltaOpsStartFieldEvent {
    field: '$.ops[].start'
    value: number
    index: number
  }

  export interface ManifestDeltaOpsCountFieldEvent {
    field: '$.ops[].count'
    value: number
    index: number
  }

  export interface ManifestDeltaOpsRefIdFieldEvent {
    field: '$.ops[].ref.id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ManifestDeltaOpsRefSizeFieldEvent {
    field: '$.ops[].ref.size'
    value: number
    index: number
  }

  export interface ManifestDeltaOpsRefZeroFieldEvent {
    field: '$.ops[].ref.zero'
    value: boolean
    index: number
  }

  export function encode (obj: Partial<ManifestDelta>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestDelta.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestDelta>): ManifestDelta {
    return decodeMessage(buf, ManifestDelta.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestDelta>): Generator<ManifestDeltaNameFieldEvent | ManifestDeltaVersionFieldEvent | ManifestDeltaSizeFieldEvent | ManifestDeltaAuthorFieldEvent | ManifestDeltaCreatedAtFieldEvent | ManifestDeltaSignatureFieldEvent | ManifestDeltaBaseFieldEvent | ManifestDeltaOpsStartFieldEvent | ManifestDeltaOpsCountFieldEvent | ManifestDeltaOpsRefIdFieldEvent | ManifestDeltaOpsRefSizeFieldEvent | ManifestDeltaOpsRefZeroFieldEvent> {
    return streamMessage(buf, ManifestDelta.codec(), opts)
  }
}

export interface ChunkResponse {
  id: number
  status: ChunkResponse.Status
  manifest?: WireManifest
  have: Uint8Array<ArrayBuffer>
  count: number
  data: Uint8Array<ArrayBuffer>
  encoding: ChunkResponse.Encoding
  added: number[]
  epoch: number
  cursor: number
  delta?: ManifestDelta
  peers: Uint8Array<ArrayBuffer>[]
}

export namespace ChunkResponse {
  export enum Status {
    OK = 'OK',
    NOT_FOUND = 'NOT_FOUND',
    BAD_REQUEST = 'BAD_REQUEST',
    BUSY = 'BUSY'
  }

  enum __StatusValues {
    OK = 0,
    NOT_FOUND = 1,
    BAD_REQUEST = 2,
    BUSY = 3
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  export enum Encoding {
    RAW = 'RAW',
    LZ4 = 'LZ4'
  }

  enum __EncodingValues {
    RAW = 0,
    LZ4 = 1
  }

  export namespace Encoding {
    export const codec = (): Codec<Encoding> => {
      return enumeration<Encoding>(__EncodingValues)
    }
  }

  let _codec: Codec<ChunkResponse>

  export const codec = (): Codec<ChunkResponse> => {
    if (_codec == null) {
      _codec = message<ChunkResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== 0)) {
          w.uint32(8)
          w.uint32(obj.id)
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(16)
          ChunkResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.manifest != null) {
          w.uint32(26)
          WireManifest.codec().encode(obj.manifest, w)
        }

        if ((obj.have != null && obj.have.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.have)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(40)
          w.uint32(obj.count)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.data)
        }

        if (obj.encoding != null && __EncodingValues[obj.encoding] !== 0) {
          w.uint32(56)
          ChunkResponse.Encoding.codec().encode(obj.encoding, w)
        }

        if (obj.added != null && obj.added.length > 0) {
          for (const value of obj.added) {
            w.uint32(64)
            w.uint32(value)
          }
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(72)
          w.uint32(obj.epoch)
        }

        if ((obj.cursor != null && obj.cursor !== 0)) {
          w.uint32(80)
          w.uint32(obj.cursor)
        }

        if (obj.delta != null) {
          w.uint32(90)
          ManifestDelta.codec().encode(obj.delta, w)
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(98)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: 0,
          status: Status.OK,
          have: uint8ArrayAlloc(0),
          count: 0,
          data: uint8ArrayAlloc(0),
          encoding: Encoding.RAW,
          added: [],
          epoch: 0,
          cursor: 0,
          peers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.uint32()
              break
            }
            case 2: {
              obj.status = ChunkResponse.Status.codec().decode(reader)
              break
            }
            case 3: {
              obj.manifest = WireManifest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.manifest
              })
              break
            }
            case 4: {
              obj.have = reader.bytes()
              break
            }
            case 5: {
              obj.count = reader.uint32()
              break
            }
            case 6: {
              obj.data = reader.bytes()
              break
            }
            case 7: {
              obj.encoding = ChunkResponse.Encoding.codec().decode(reader)
              break
            }
            case 8: {
              if (opts.limits?.added != null && obj.added.length === opts.limits.added) {
                throw new MaxLengthError('Decode error - repeated field "added" had too many elements')
              }

              obj.added.push(reader.uint32())
              break
            }
            case 9: {
              obj.epoch = reader.uint32()
              break
            }
            case 10: {
              obj.cursor = reader.uint32()
              break
            }
            case 11: {
              obj.delta = ManifestDelta.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delta
              })
              break
            }
            case 12: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          added: 0,
          peers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.status`,
                value: ChunkResponse.Status.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield * WireManifest.codec().stream(reader, reader.uint32(), `${prefix}.manifest`, {
                limits: opts.limits?.manifest
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.have`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.encoding`,
                value: ChunkResponse.Encoding.codec().decode(reader)
              }
              break
            }
            case 8: {
              if (opts.limits?.added != null && obj.added === opts.limits.added) {
                throw new MaxLengthError('Streaming decode error - repeated field "added" had too many elements')
              }

              yield {
                field: `${prefix}.added[]`,
                index: obj.added,
                value: reader.uint32()
              }

              obj.added++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.cursor`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield * ManifestDelta.codec().stream(reader, reader.uint32(), `${prefix}.delta`, {
                limits: opts.limits?.delta
              })

              break
            }
            case 12: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              yield {
                field: `${prefix}.peers[]`,
                index: obj.peers,
                value: reader.bytes()
              }

              obj.peers++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChunkResponseIdFieldEvent {
    field: '$.id'
    value: number
  }

  export interface ChunkResponseStatusFieldEvent {
    field: '$.status'
    value: ChunkResponse.Status
  }

  export interface ChunkResponseManifestNameFieldEvent {
    field: '$.manifest.name'
    value: string
  }

  export interface ChunkResponseManifestVersionFieldEvent {
    field: '$.manifest.version'
    value: string
  }

  export interface ChunkResponseManifestSizeFieldEvent {
    field: '$.manifest.size'
    value: number
  }

  export interface ChunkResponseManifestChunksIdFieldEvent {
    field: '$.manifest.chunks[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseManifestChunksSizeFieldEvent {
    field: '$.manifest.chunks[].size'
    value: number
    index: number
  }

  export interface ChunkResponseManifestChunksZeroFieldEvent {
    field: '$.manifest.chunks[].zero'
    value: boolean
    index: number
  }

  export interface ChunkResponseManifestAuthorFieldEvent {
    field: '$.manifest.author'
    value: string
  }

  export interface ChunkResponseManifestCreatedAtFieldEvent {
    field: '$.manifest.createdAt'
    value: number
  }

  export interface ChunkResponseManifestSignatureFieldEvent {
    field: '$.manifest.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseManifestPackedFieldEvent {
    field: '$.manifest.packed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseHaveFieldEvent {
    field: '$.have'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface ChunkResponseDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseEncodingFieldEvent {
    field: '$.encoding'
    value: ChunkResponse.Encoding
  }

  export interface ChunkResponseAddedFieldEvent {
    field: '$.added[]'
    index: number
    value: number
  }

  export interface ChunkResponseEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface ChunkResponseCursorFieldEvent {
    field: '$.cursor'
    value: number
  }

  export interface ChunkResponseDeltaNameFieldEvent {
    field: '$.delta.name'
    value: string
  }

  export interface ChunkResponseDeltaVersionFieldEvent {
    field: '$.delta.version'
    value: string
  }

  export interface ChunkResponseDeltaSizeFieldEvent {
    field: '$.delta.size'
    value: number
  }

  export interface ChunkResponseDeltaAuthorFieldEvent {
    field: '$.delta.author'
    value: string
  }

  export interface ChunkResponseDeltaCreatedAtFieldEvent {
    field: '$.delta.createdAt'
    value: number
  }

  export interface ChunkResponseDeltaSignatureFieldEvent {
    field: '$.delta.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseDeltaBaseFieldEvent {
    field: '$.delta.base'
    value: string
  }

  export interface ChunkResponseDeltaOpsStartFieldEvent {
    field: '$.delta.ops[].start'
    value: number
    index: number
  }

  export interface ChunkResponseDeltaOpsCountFieldEvent {
    field: '$.delta.ops[].count'
    value: number
    index: number
  }

  export interface ChunkResponseDeltaOpsRefIdFieldEvent {
    field: '$.delta.ops[].ref.id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseDeltaOpsRefSizeFieldEvent {
    field: '$.delta.ops[].ref.size'
    value: number
    index: number
  }

  export interface ChunkResponseDeltaOpsRefZeroFieldEvent {
    field: '$.delta.ops[].ref.zero'
    value: boolean
    index: number
  }

  export interface ChunkResponsePeersFieldEvent {
    field: '$.peers[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChunkResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChunkResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkResponse>): ChunkResponse {
    return decodeMessage(buf, ChunkResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkResponse>): Generator<ChunkResponseIdFieldEvent | ChunkResponseStatusFieldEvent | ChunkResponseManifestNameFieldEvent | ChunkResponseManifestVersionFieldEvent | ChunkResponseManifestSizeFieldEvent | ChunkResponseManifestChunksIdFieldEvent | ChunkResponseManifestChunksSizeFieldEvent | ChunkResponseManifestChunksZeroFieldEvent | ChunkResponseManifestAuthorFieldEvent | ChunkResponseManifestCreatedAtFieldEvent | ChunkResponseManifestSignatureFieldEvent | ChunkResponseManifestPackedFieldEvent | ChunkResponseHaveFieldEvent | ChunkResponseCountFieldEvent | ChunkResponseDataFieldEvent | ChunkResponseEncodingFieldEvent | ChunkResponseAddedFieldEvent | ChunkResponseEpochFieldEvent | ChunkResponseCursorFieldEvent | ChunkResponseDeltaNameFieldEvent | ChunkResponseDeltaVersionFieldEvent | ChunkResponseDeltaSizeFieldEvent | ChunkResponseDeltaAuthorFieldEvent | ChunkResponseDeltaCreatedAtFieldEvent | ChunkResponseDeltaSignatureFieldEvent | ChunkResponseDeltaBaseFieldEvent | ChunkResponseDeltaOpsStartFieldEvent | ChunkResponseDeltaOpsCountFieldEvent | ChunkResponseDeltaOpsRefIdFieldEvent | ChunkResponseDeltaOpsRefSizeFieldEvent | ChunkResponseDeltaOpsRefZeroFieldEvent | ChunkResponsePeersFieldEvent> {
    return streamMessage(buf, ChunkResponse.codec(), opts)
  }
}
