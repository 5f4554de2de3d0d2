import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ProbeRequest {
  nonce: number
  target?: Uint8Array<ArrayBuffer>
}

export namespace ProbeRequest {
  let _codec: Codec<ProbeRequest>

  export const codec = (): Codec<ProbeRequest> => {
    if (_codec == null) {
      _codec = message<ProbeRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.nonce)
        }

        if (obj.target != null) {
          w.uint32(18)
          w.bytes(obj.target)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nonce = reader.uint64Number()
              break
            }
            case 2: {
              obj.target = reader.bytes()
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
                field: `${prefix}.nonce`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.target`,
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

  export interface ProbeRequestNonceFieldEvent {
    field: '$.nonce'
    value: number
  }

  export interface ProbeRequestTargetFieldEvent {
    field: '$.target'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ProbeRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeRequest>): ProbeRequest {
    return decodeMessage(buf, ProbeRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeRequest>): Generator<ProbeRequestNonceFieldEvent | ProbeRequestTargetFieldEvent> {
    return streamMessage(buf, ProbeRequest.codec(), opts)
  }
}

export interface ProbeAck {
  nonce: number
  ok: boolean
  bootEpoch: number
  seq: number
}

export namespace ProbeAck {
  let _codec: Codec<ProbeAck>

  export const codec = (): Codec<ProbeAck> => {
    if (_codec == null) {
      _codec = message<ProbeAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.nonce)
        }

        if ((obj.ok != null && obj.ok !== false)) {
          w.uint32(16)
          w.bool(obj.ok)
        }

        if ((obj.bootEpoch != null && obj.bootEpoch !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.bootEpoch)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: 0,
          ok: false,
          bootEpoch: 0,
          seq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nonce = reader.uint64Number()
              break
            }
            case 2: {
              obj.ok = reader.bool()
              break
            }
            case 3: {
              obj.bootEpoch = reader.uint64Number()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
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
                field: `${prefix}.nonce`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ok`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.bootEpoch`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
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

  export interface ProbeAckNonceFieldEvent {
    field: '$.nonce'
    value: number
  }

  export interface ProbeAckOkFieldEvent {
    field: '$.ok'
    value: boolean
  }

  export interface ProbeAckBootEpochFieldEvent {
    field: '$.bootEpoch'
    value: number
  }

  export interface ProbeAckSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export function encode (obj: Partial<ProbeAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProbeAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeAck>): ProbeAck {
    return decodeMessage(buf, ProbeAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProbeAck>): Generator<ProbeAckNonceFieldEvent | ProbeAckOkFieldEvent | ProbeAckBootEpochFieldEvent | ProbeAckSeqFieldEvent> {
    return streamMessage(buf, ProbeAck.codec(), opts)
  }
}
