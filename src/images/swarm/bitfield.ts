import { ProtocolViolationError } from './errors.js'

/** Set bits of each byte value. */
const ONES_IN_BYTE = Uint8Array.from({ length: 256 }, (_, b) => { let n = 0; for (let v = b; v !== 0; v >>= 1) n += v & 1; return n })

/** One bit per manifest entry, LSB-first within each byte (bit i is byte i>>3, mask 1<<(i&7)). */
export class Bitfield {
  readonly bytes: Uint8Array
  private ones = 0

  constructor (readonly count: number, bytes?: Uint8Array) {
    this.bytes = bytes ?? new Uint8Array(Math.ceil(count / 8))
    if (bytes == null) return
    // whole bytes by table (a bit at a time was 153 ms of a fan-out receiver's have answers), then the last byte's
    // entries one by one: bits past `count` are not entries
    const whole = count >> 3
    for (let i = 0; i < whole; i++) this.ones += ONES_IN_BYTE[bytes[i]!]!
    for (let i = whole << 3; i < count; i++) if (this.get(i)) this.ones++
  }

  /** Decode a peer's bitfield: the length must match and the padding bits must be zero. */
  static decode (bytes: Uint8Array, count: number): Bitfield {
    if (bytes.length !== Math.ceil(count / 8)) {
      throw new ProtocolViolationError(`bitfield of ${bytes.length} bytes does not cover ${count} entries`, 'ERR_BAD_BITFIELD')
    }
    const tail = count % 8
    if (tail !== 0 && ((bytes[bytes.length - 1] ?? 0) >> tail) !== 0) {
      throw new ProtocolViolationError('bitfield has bits set past its last entry', 'ERR_BAD_BITFIELD')
    }
    return new Bitfield(count, Uint8Array.from(bytes))
  }

  static full (count: number): Bitfield {
    const b = new Bitfield(count)
    for (let i = 0; i < count; i++) b.set(i)
    return b
  }

  get (i: number): boolean {
    return ((this.bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0
  }

  set (i: number): void {
    if (i < 0 || i >= this.count || this.get(i)) return
    this.bytes[i >> 3] = (this.bytes[i >> 3] ?? 0) | (1 << (i & 7))
    this.ones++
  }

  /** Number of set bits. */
  cardinality (): number {
    return this.ones
  }

  isFull (): boolean {
    return this.ones === this.count
  }
}
