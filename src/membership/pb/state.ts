import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Label {
  key: string
  value: string
}

export namespace Label {
  let _codec: Codec<Label>

  export const codec = (): Codec<Label> => {
    if (_codec == null) {
      _codec = message<Label>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value !== '')) {
          w.uint32(18)
          w.string(obj.value)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          value: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.value = reader.string()
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
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.string()
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

  export interface LabelKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface LabelValueFieldEvent {
    field: '$.value'
    value: string
  }

  export function encode (obj: Partial<Label>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Label.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Label>): Label {
    return decodeMessage(buf, Label.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Label>): Generator<LabelKeyFieldEvent | LabelValueFieldEvent> {
    return streamMessage(buf, Label.codec(), opts)
  }
}

export interface Gpu {
  model: string
  memoryBytes: number
}

export namespace Gpu {
  let _codec: Codec<Gpu>

  export const codec = (): Codec<Gpu> => {
    if (_codec == null) {
      _codec = message<Gpu>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(10)
          w.string(obj.model)
        }

        if ((obj.memoryBytes != null && obj.memoryBytes !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.memoryBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          model: '',
          memoryBytes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.model = reader.string()
              break
            }
            case 2: {
              obj.memoryBytes = reader.uint64Number()
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
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.memoryBytes`,
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

  export interface GpuModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface GpuMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: number
  }

  export function encode (obj: Partial<Gpu>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Gpu.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Gpu>): Gpu {
    return decodeMessage(buf, Gpu.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Gpu>): Generator<GpuModelFieldEvent | GpuMemoryBytesFieldEvent> {
    return streamMessage(buf, Gpu.codec(), opts)
  }
}

export interface Resources {
  cpuCores: number
  loadMilli: number
  memoryTotal: number
  memoryFree: number
  diskTotal: number
  diskFree: number
  gpus: Gpu[]
}

export namespace Resources {
  let _codec: Codec<Resources>

  export const codec = (): Codec<Resources> => {
    if (_codec == null) {
      _codec = message<Resources>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cpuCores != null && obj.cpuCores !== 0)) {
          w.uint32(8)
          w.uint32(obj.cpuCores)
        }

        if ((obj.loadMilli != null && obj.loadMilli !== 0)) {
          w.uint32(16)
          w.uint32(obj.loadMilli)
        }

        if ((obj.memoryTotal != null && obj.memoryTotal !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.memoryTotal)
        }

        if ((obj.memoryFree != null && obj.memoryFree !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.memoryFree)
        }

        if ((obj.diskTotal != null && obj.diskTotal !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.diskTotal)
        }

        if ((obj.diskFree != null && obj.diskFree !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.diskFree)
        }

        if (obj.gpus != null && obj.gpus.length > 0) {
          for (const value of obj.gpus) {
            w.uint32(58)
            Gpu.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cpuCores: 0,
          loadMilli: 0,
          memoryTotal: 0,
          memoryFree: 0,
          diskTotal: 0,
          diskFree: 0,
          gpus: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.cpuCores = reader.uint32()
              break
            }
            case 2: {
              obj.loadMilli = reader.uint32()
              break
            }
            case 3: {
              obj.memoryTotal = reader.uint64Number()
              break
            }
            case 4: {
              obj.memoryFree = reader.uint64Number()
              break
            }
            case 5: {
              obj.diskTotal = reader.uint64Number()
              break
            }
            case 6: {
              obj.diskFree = reader.uint64Number()
              break
            }
            case 7: {
              if (opts.limits?.gpus != null && obj.gpus.length === opts.limits.gpus) {
                throw new MaxLengthError('Decode error - repeated field "gpus" had too many elements')
              }

              obj.gpus.push(Gpu.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.gpus$
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
          gpus: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.cpuCores`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.loadMilli`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.memoryTotal`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.memoryFree`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.diskTotal`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.diskFree`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              if (opts.limits?.gpus != null && obj.gpus === opts.limits.gpus) {
                throw new MaxLengthError('Streaming decode error - repeated field "gpus" had too many elements')
              }

              for (const evt of Gpu.codec().stream(reader, reader.uint32(), `${prefix}.gpus[]`, {
                limits: opts.limits?.gpus$
              })) {
                yield {
                  ...evt,
                  index: obj.gpus
                }
              }

              obj.gpus++

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

  export interface ResourcesCpuCoresFieldEvent {
    field: '$.cpuCores'
    value: number
  }

  export interface ResourcesLoadMilliFieldEvent {
    field: '$.loadMilli'
    value: number
  }

  export interface ResourcesMemoryTotalFieldEvent {
    field: '$.memoryTotal'
    value: number
  }

  export interface ResourcesMemoryFreeFieldEvent {
    field: '$.memoryFree'
    value: number
  }

  export interface ResourcesDiskTotalFieldEvent {
    field: '$.diskTotal'
    value: number
  }

  export interface ResourcesDiskFreeFieldEvent {
    field: '$.diskFree'
    value: number
  }

  export interface ResourcesGpusModelFieldEvent {
    field: '$.gpus[].model'
    value: string
    index: number
  }

  export interface ResourcesGpusMemoryBytesFieldEvent {
    field: '$.gpus[].memoryBytes'
    value: number
    index: number
  }

  export function encode (obj: Partial<Resources>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Resources.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Resources>): Resources {
    return decodeMessage(buf, Resources.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Resources>): Generator<ResourcesCpuCoresFieldEvent | ResourcesLoadMilliFieldEvent | ResourcesMemoryTotalFieldEvent | ResourcesMemoryFreeFieldEvent | ResourcesDiskTotalFieldEvent | ResourcesDiskFreeFieldEvent | ResourcesGpusModelFieldEvent | ResourcesGpusMemoryBytesFieldEvent> {
    return streamMessage(buf, Resources.codec(), opts)
  }
}

export interface Vm {
  name: string
  state: string
  vcpus: number
  memoryBytes: number
  diskBytes: number
  gpus: number
}

export namespace Vm {
  let _codec: Codec<Vm>

  export const codec = (): Codec<Vm> => {
    if (_codec == null) {
      _codec = message<Vm>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(18)
          w.string(obj.state)
        }

        if ((obj.vcpus != null && obj.vcpus !== 0)) {
          w.uint32(24)
          w.uint32(obj.vcpus)
        }

        if ((obj.memoryBytes != null && obj.memoryBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.memoryBytes)
        }

        if ((obj.diskBytes != null && obj.diskBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.diskBytes)
        }

        if ((obj.gpus != null && obj.gpus !== 0)) {
          w.uint32(48)
          w.uint32(obj.gpus)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          state: '',
          vcpus: 0,
          memoryBytes: 0,
          diskBytes: 0,
          gpus: 0
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
              obj.state = reader.string()
              break
            }
            case 3: {
              obj.vcpus = reader.uint32()
              break
            }
            case 4: {
              obj.memoryBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.diskBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.gpus = reader.uint32()
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
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.state`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.vcpus`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.memoryBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.diskBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.gpus`,
                value: reader.uint32()
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

  export interface VmNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface VmStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface VmVcpusFieldEvent {
    field: '$.vcpus'
    value: number
  }

  export interface VmMemoryBytesFieldEvent {
    field: '$.memoryBytes'
    value: number
  }

  export interface VmDiskBytesFieldEvent {
    field: '$.diskBytes'
    value: number
  }

  export interface VmGpusFieldEvent {
    field: '$.gpus'
    value: number
  }

  export function encode (obj: Partial<Vm>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Vm.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Vm>): Vm {
    return decodeMessage(buf, Vm.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Vm>): Generator<VmNameFieldEvent | VmStateFieldEvent | VmVcpusFieldEvent | VmMemoryBytesFieldEvent | VmDiskBytesFieldEvent | VmGpusFieldEvent> {
    return streamMessage(buf, Vm.codec(), opts)
  }
}

export interface NodeRecord {
  peerId: Uint8Array<ArrayBuffer>
  bootEpoch: number
  seq: number
  issuedAtMs: number
  role: string
  site: string
  region: string
  zone: string
  labels: Label[]
  resources?: Resources
  vms: Vm[]
  addresses: string[]
  version: string
}

export namespace NodeRecord {
  let _codec: Codec<NodeRecord>

  export const codec = (): Codec<NodeRecord> => {
    if (_codec == null) {
      _codec = message<NodeRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.bootEpoch != null && obj.bootEpoch !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.bootEpoch)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.seq)
        }

        if ((obj.issuedAtMs != null && obj.issuedAtMs !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.issuedAtMs)
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(42)
          w.string(obj.role)
        }

        if ((obj.site != null && obj.site !== '')) {
          w.uint32(50)
          w.string(obj.site)
        }

        if ((obj.region != null && obj.region !== '')) {
          w.uint32(58)
          w.string(obj.region)
        }

        if ((obj.zone != null && obj.zone !== '')) {
          w.uint32(66)
          w.string(obj.zone)
        }

        if (obj.labels != null && obj.labels.length > 0) {
          for (const value of obj.labels) {
            w.uint32(74)
            Label.codec().encode(value, w)
          }
        }

        if (obj.resources != null) {
          w.uint32(82)
          Resources.codec().encode(obj.resources, w)
        }

        if (obj.vms != null && obj.vms.length > 0) {
          for (const value of obj.vms) {
            w.uint32(90)
            Vm.codec().encode(value, w)
          }
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(98)
            w.string(value)
          }
        }

        if ((obj.version != null && obj.version !== '')) {
          w.uint32(106)
          w.string(obj.version)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          bootEpoch: 0,
          seq: 0,
          issuedAtMs: 0,
          role: '',
          site: '',
          region: '',
          zone: '',
          labels: [],
          vms: [],
          addresses: [],
          version: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              obj.bootEpoch = reader.uint64Number()
              break
            }
            case 3: {
              obj.seq = reader.uint64Number()
              break
            }
            case 4: {
              obj.issuedAtMs = reader.uint64Number()
              break
            }
            case 5: {
              obj.role = reader.string()
              break
            }
            case 6: {
              obj.site = reader.string()
              break
            }
            case 7: {
              obj.region = reader.string()
              break
            }
            case 8: {
              obj.zone = reader.string()
              break
            }
            case 9: {
              if (opts.limits?.labels != null && obj.labels.length === opts.limits.labels) {
                throw new MaxLengthError('Decode error - repeated field "labels" had too many elements')
              }

              obj.labels.push(Label.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.labels$
              }))
              break
            }
            case 10: {
              obj.resources = Resources.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.resources
              })
              break
            }
            case 11: {
              if (opts.limits?.vms != null && obj.vms.length === opts.limits.vms) {
                throw new MaxLengthError('Decode error - repeated field "vms" had too many elements')
              }

              obj.vms.push(Vm.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.vms$
              }))
              break
            }
            case 12: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.string())
              break
            }
            case 13: {
              obj.version = reader.string()
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
          labels: 0,
          vms: 0,
          addresses: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.bootEpoch`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.issuedAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.site`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.region`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.zone`,
                value: reader.string()
              }
              break
            }
            case 9: {
              if (opts.limits?.labels != null && obj.labels === opts.limits.labels) {
                throw new MaxLengthError('Streaming decode error - repeated field "labels" had too many elements')
              }

              for (const evt of Label.codec().stream(reader, reader.uint32(), `${prefix}.labels[]`, {
                limits: opts.limits?.labels$
              })) {
                yield {
                  ...evt,
                  index: obj.labels
                }
              }

              obj.labels++

              break
            }
            case 10: {
              yield * Resources.codec().stream(reader, reader.uint32(), `${prefix}.resources`, {
                limits: opts.limits?.resources
              })

              break
            }
            case 11: {
              if (opts.limits?.vms != null && obj.vms === opts.limits.vms) {
                throw new MaxLengthError('Streaming decode error - repeated field "vms" had too many elements')
              }

              for (const evt of Vm.codec().stream(reader, reader.uint32(), `${prefix}.vms[]`, {
                limits: opts.limits?.vms$
              })) {
                yield {
                  ...evt,
                  index: obj.vms
                }
              }

              obj.vms++

              break
            }
            case 12: {
              if (opts.limits?.addresses != null && obj.addresses === opts.limits.addresses) {
                throw new MaxLengthError('Streaming decode error - repeated field "addresses" had too many elements')
              }

              yield {
                field: `${prefix}.addresses[]`,
                index: obj.addresses,
                value: reader.string()
              }

              obj.addresses++

              break
            }
            case 13: {
              yield {
                field: `${prefix}.version`,
                value: reader.string()
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

  export interface NodeRecordPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NodeRecordBootEpochFieldEvent {
    field: '$.bootEpoch'
    value: number
  }

  export interface NodeRecordSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface NodeRecordIssuedAtMsFieldEvent {
    field: '$.issuedAtMs'
    value: number
  }

  export interface NodeRecordRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface NodeRecordSiteFieldEvent {
    field: '$.site'
    value: string
  }

  export interface NodeRecordRegionFieldEvent {
    field: '$.region'
    value: string
  }

  export interface NodeRecordZoneFieldEvent {
    field: '$.zone'
    value: string
  }

  export interface NodeRecordLabelsKeyFieldEvent {
    field: '$.labels[].key'
    value: string
    index: number
  }

  export interface NodeRecordLabelsValueFieldEvent {
    field: '$.labels[].value'
    value: string
    index: number
  }

  export interface NodeRecordResourcesCpuCoresFieldEvent {
    field: '$.resources.cpuCores'
    value: number
  }

  export interface NodeRecordResourcesLoadMilliFieldEvent {
    field: '$.resources.loadMilli'
    value: number
  }

  export interface NodeRecordResourcesMemoryTotalFieldEvent {
    field: '$.resources.memoryTotal'
    value: number
  }

  export interface NodeRecordResourcesMemoryFreeFieldEvent {
    field: '$.resources.memoryFree'
    value: number
  }

  export interface NodeRecordResourcesDiskTotalFieldEvent {
    field: '$.resources.diskTotal'
    value: number
  }

  export interface NodeRecordResourcesDiskFreeFieldEvent {
    field: '$.resources.diskFree'
    value: number
  }

  export interface NodeRecordResourcesGpusModelFieldEvent {
    field: '$.resources.gpus[].model'
    value: string
    index: number
  }

  export interface NodeRecordResourcesGpusMemoryBytesFieldEvent {
    field: '$.resources.gpus[].memoryBytes'
    value: number
    index: number
  }

  export interface NodeRecordVmsNameFieldEvent {
    field: '$.vms[].name'
    value: string
    index: number
  }

  export interface NodeRecordVmsStateFieldEvent {
    field: '$.vms[].state'
    value: string
    index: number
  }

  export interface NodeRecordVmsVcpusFieldEvent {
    field: '$.vms[].vcpus'
    value: number
    index: number
  }

  export interface NodeRecordVmsMemoryBytesFieldEvent {
    field: '$.vms[].memoryBytes'
    value: number
    index: number
  }

  export interface NodeRecordVmsDiskBytesFieldEvent {
    field: '$.vms[].diskBytes'
    value: number
    index: number
  }

  export interface NodeRecordVmsGpusFieldEvent {
    field: '$.vms[].gpus'
    value: number
    index: number
  }

  export interface NodeRecordAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export interface NodeRecordVersionFieldEvent {
    field: '$.version'
    value: string
  }

  export function encode (obj: Partial<NodeRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, NodeRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeRecord>): NodeRecord {
    return decodeMessage(buf, NodeRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeRecord>): Generator<NodeRecordPeerIdFieldEvent | NodeRecordBootEpochFieldEvent | NodeRecordSeqFieldEvent | NodeRecordIssuedAtMsFieldEvent | NodeRecordRoleFieldEvent | NodeRecordSiteFieldEvent | NodeRecordRegionFieldEvent | NodeRecordZoneFieldEvent | NodeRecordLabelsKeyFieldEvent | NodeRecordLabelsValueFieldEvent | NodeRecordResourcesCpuCoresFieldEvent | NodeRecordResourcesLoadMilliFieldEvent | NodeRecordResourcesMemoryTotalFieldEvent | NodeRecordResourcesMemoryFreeFieldEvent | NodeRecordResourcesDiskTotalFieldEvent | NodeRecordResourcesDiskFreeFieldEvent | NodeRecordResourcesGpusModelFieldEvent | NodeRecordResourcesGpusMemoryBytesFieldEvent | NodeRecordVmsNameFieldEvent | NodeRecordVmsStateFieldEvent | NodeRecordVmsVcpusFieldEvent | NodeRecordVmsMemoryBytesFieldEvent | NodeRecordVmsDiskBytesFieldEvent | NodeRecordVmsGpusFieldEvent | NodeRecordAddressesFieldEvent | NodeRecordVersionFieldEvent> {
    return streamMessage(buf, NodeRecord.codec(), opts)
  }
}

export interface SignedRecord {
  record: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedRecord {
  let _codec: Codec<SignedRecord>

  export const codec = (): Codec<SignedRecord> => {
    if (_codec == null) {
      _codec = message<SignedRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.record)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          record: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.record = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.record`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
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

  export interface SignedRecordRecordFieldEvent {
    field: '$.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRecord>): SignedRecord {
    return decodeMessage(buf, SignedRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRecord>): Generator<SignedRecordRecordFieldEvent | SignedRecordSignatureFieldEvent> {
    return streamMessage(buf, SignedRecord.codec(), opts)
  }
}

export interface Suspicion {
  subject: Uint8Array<ArrayBuffer>
  bootEpoch: number
  seq: number
}

export namespace Suspicion {
  let _codec: Codec<Suspicion>

  export const codec = (): Codec<Suspicion> => {
    if (_codec == null) {
      _codec = message<Suspicion>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.subject != null && obj.subject.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.subject)
        }

        if ((obj.bootEpoch != null && obj.bootEpoch !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.bootEpoch)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          subject: uint8ArrayAlloc(0),
          bootEpoch: 0,
          seq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.subject = reader.bytes()
              break
            }
            case 2: {
              obj.bootEpoch = reader.uint64Number()
              break
            }
            case 3: {
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
                field: `${prefix}.subject`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.bootEpoch`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
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

  export interface SuspicionSubjectFieldEvent {
    field: '$.subject'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SuspicionBootEpochFieldEvent {
    field: '$.bootEpoch'
    value: number
  }

  export interface SuspicionSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export function encode (obj: Partial<Suspicion>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Suspicion.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Suspicion>): Suspicion {
    return decodeMessage(buf, Suspicion.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Suspicion>): Generator<SuspicionSubjectFieldEvent | SuspicionBootEpochFieldEvent | SuspicionSeqFieldEvent> {
    return streamMessage(buf, Suspicion.codec(), opts)
  }
}

export interface GossipMessage {
  record?: SignedRecord
  suspicion?: Suspicion
}

export namespace GossipMessage {
  let _codec: Codec<GossipMessage>

  export const codec = (): Codec<GossipMessage> => {
    if (_codec == null) {
      _codec = message<GossipMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.record != null) {
          w.uint32(10)
          SignedRecord.codec().encode(obj.record, w)
        }

        if (obj.suspicion != null) {
          w.uint32(18)
          Suspicion.codec().encode(obj.suspicion, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.record = SignedRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 2: {
              obj.suspicion = Suspicion.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.suspicion
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
              yield * SignedRecord.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 2: {
              yield * Suspicion.codec().stream(reader, reader.uint32(), `${prefix}.suspicion`, {
                limits: opts.limits?.suspicion
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

  export interface GossipMessageRecordRecordFieldEvent {
    field: '$.record.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageSuspicionSubjectFieldEvent {
    field: '$.suspicion.subject'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageSuspicionBootEpochFieldEvent {
    field: '$.suspicion.bootEpoch'
    value: number
  }

  export interface GossipMessageSuspicionSeqFieldEvent {
    field: '$.suspicion.seq'
    value: number
  }

  export function encode (obj: Partial<GossipMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GossipMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GossipMessage>): GossipMessage {
    return decodeMessage(buf, GossipMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GossipMessage>): Generator<GossipMessageRecordRecordFieldEvent | GossipMessageRecordSignatureFieldEvent | GossipMessageSuspicionSubjectFieldEvent | GossipMessageSuspicionBootEpochFieldEvent | GossipMessageSuspicionSeqFieldEvent> {
    return streamMessage(buf, GossipMessage.codec(), opts)
  }
}

export enum Liveness {
  ALIVE = 'ALIVE',
  SUSPECT = 'SUSPECT',
  DEAD = 'DEAD'
}

enum __LivenessValues {
  ALIVE = 0,
  SUSPECT = 1,
  DEAD = 2
}

export namespace Liveness {
  export const codec = (): Codec<Liveness> => {
    return enumeration<Liveness>(__LivenessValues)
  }
}

export interface Version {
  peerId: Uint8Array<ArrayBuffer>
  bootEpoch: number
  seq: number
}

export namespace Version {
  let _codec: Codec<Version>

  export const codec = (): Codec<Version> => {
    if (_codec == null) {
      _codec = message<Version>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.bootEpoch != null && obj.bootEpoch !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.bootEpoch)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          bootEpoch: 0,
          seq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              obj.bootEpoch = reader.uint64Number()
              break
            }
            case 3: {
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
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.bootEpoch`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
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

  export interface VersionPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VersionBootEpochFieldEvent {
    field: '$.bootEpoch'
    value: number
  }

  export interface VersionSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export function encode (obj: Partial<Version>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Version.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Version>): Version {
    return decodeMessage(buf, Version.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Version>): Generator<VersionPeerIdFieldEvent | VersionBootEpochFieldEvent | VersionSeqFieldEvent> {
    return streamMessage(buf, Version.codec(), opts)
  }
}

export interface SyncRequest {
  own?: SignedRecord
  digest: Version[]
}

export namespace SyncRequest {
  let _codec: Codec<SyncRequest>

  export const codec = (): Codec<SyncRequest> => {
    if (_codec == null) {
      _codec = message<SyncRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.own != null) {
          w.uint32(10)
          SignedRecord.codec().encode(obj.own, w)
        }

        if (obj.digest != null && obj.digest.length > 0) {
          for (const value of obj.digest) {
            w.uint32(18)
            Version.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          digest: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.own = SignedRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.own
              })
              break
            }
            case 2: {
              if (opts.limits?.digest != null && obj.digest.length === opts.limits.digest) {
                throw new MaxLengthError('Decode error - repeated field "digest" had too many elements')
              }

              obj.digest.push(Version.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.digest$
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
          digest: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * SignedRecord.codec().stream(reader, reader.uint32(), `${prefix}.own`, {
                limits: opts.limits?.own
              })

              break
            }
            case 2: {
              if (opts.limits?.digest != null && obj.digest === opts.limits.digest) {
                throw new MaxLengthError('Streaming decode error - repeated field "digest" had too many elements')
              }

              for (const evt of Version.codec().stream(reader, reader.uint32(), `${prefix}.digest[]`, {
                limits: opts.limits?.digest$
              })) {
                yield {
                  ...evt,
                  index: obj.digest
                }
              }

              obj.digest++

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

  export interface SyncRequestOwnRecordFieldEvent {
    field: '$.own.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestOwnSignatureFieldEvent {
    field: '$.own.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestDigestPeerIdFieldEvent {
    field: '$.digest[].peerId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncRequestDigestBootEpochFieldEvent {
    field: '$.digest[].bootEpoch'
    value: number
    index: number
  }

  export interface SyncRequestDigestSeqFieldEvent {
    field: '$.digest[].seq'
    value: number
    index: number
  }

  export function encode (obj: Partial<SyncRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): SyncRequest {
    return decodeMessage(buf, SyncRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): Generator<SyncRequestOwnRecordFieldEvent | SyncRequestOwnSignatureFieldEvent | SyncRequestDigestPeerIdFieldEvent | SyncRequestDigestBootEpochFieldEvent | SyncRequestDigestSeqFieldEvent> {
    return streamMessage(buf, SyncRequest.codec(), opts)
  }
}

export interface SyncEntry {
  record?: SignedRecord
  liveness: Liveness
}

export namespace SyncEntry {
  let _codec: Codec<SyncEntry>

  export const codec = (): Codec<SyncEntry> => {
    if (_codec == null) {
      _codec = message<SyncEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.record != null) {
          w.uint32(10)
          SignedRecord.codec().encode(obj.record, w)
        }

        if (obj.liveness != null && __LivenessValues[obj.liveness] !== 0) {
          w.uint32(16)
          Liveness.codec().encode(obj.liveness, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          liveness: Liveness.ALIVE
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.record = SignedRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.record
              })
              break
            }
            case 2: {
              obj.liveness = Liveness.codec().decode(reader)
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
              yield * SignedRecord.codec().stream(reader, reader.uint32(), `${prefix}.record`, {
                limits: opts.limits?.record
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.liveness`,
                value: Liveness.codec().decode(reader)
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

  export interface SyncEntryRecordRecordFieldEvent {
    field: '$.record.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncEntryRecordSignatureFieldEvent {
    field: '$.record.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncEntryLivenessFieldEvent {
    field: '$.liveness'
    value: Liveness
  }

  export function encode (obj: Partial<SyncEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncEntry>): SyncEntry {
    return decodeMessage(buf, SyncEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncEntry>): Generator<SyncEntryRecordRecordFieldEvent | SyncEntryRecordSignatureFieldEvent | SyncEntryLivenessFieldEvent> {
    return streamMessage(buf, SyncEntry.codec(), opts)
  }
}

export interface SyncResponse {
  entries: SyncEntry[]
  yourLiveness: Liveness
}

export namespace SyncResponse {
  let _codec: Codec<SyncResponse>

  export const codec = (): Codec<SyncResponse> => {
    if (_codec == null) {
      _codec = message<SyncResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            SyncEntry.codec().encode(value, w)
          }
        }

        if (obj.yourLiveness != null && __LivenessValues[obj.yourLiveness] !== 0) {
          w.uint32(16)
          Liveness.codec().encode(obj.yourLiveness, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: [],
          yourLiveness: Liveness.ALIVE
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(SyncEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 2: {
              obj.yourLiveness = Liveness.codec().decode(reader)
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
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of SyncEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.yourLiveness`,
                value: Liveness.codec().decode(reader)
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

  export interface SyncResponseEntriesRecordRecordFieldEvent {
    field: '$.entries[].record.record'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncResponseEntriesRecordSignatureFieldEvent {
    field: '$.entries[].record.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncResponseEntriesLivenessFieldEvent {
    field: '$.entries[].liveness'
    value: Liveness
    index: number
  }

  export interface SyncResponseYourLivenessFieldEvent {
    field: '$.yourLiveness'
    value: Liveness
  }

  export function encode (obj: Partial<SyncResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncResponse>): SyncResponse {
    return decodeMessage(buf, SyncResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncResponse>): Generator<SyncResponseEntriesRecordRecordFieldEvent | SyncResponseEntriesRecordSignatureFieldEvent | SyncResponseEntriesLivenessFieldEvent | SyncResponseYourLivenessFieldEvent> {
    return streamMessage(buf, SyncResponse.codec(), opts)
  }
}
