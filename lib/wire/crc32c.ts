/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * iSCSI, SCTP and ext4, over every plain-mode Totem frame.
 *
 * Why this code and this polynomial: for the frame sizes Totem uses (a
 * 60-byte token to a 1472-byte MTU frame) CRC-32C detects every error of up
 * to 3 flipped bits anywhere (Hamming distance 6 up to 655 bytes, 4 beyond),
 * every burst of up to 32 bits, and lets any other damage through with
 * probability 2^-32. node:zlib's crc32 is the IEEE polynomial, weaker at
 * these lengths, and a native CRC-32C addon costs a ~180 ns call for each
 * frame while most frames are small tokens; this table-driven JS version
 * (slicing by 8) is faster below ~300 bytes, within a microsecond at the MTU,
 * needs no native code and bundles anywhere (measured in
 * benchmarks/checksum.ts).
 */

const POLY = 0x82f63b78

/** Eight 256-entry tables: T[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLE = buildTable()

function buildTable(): Int32Array {
  const t = new Int32Array(256 * 8)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
}

/** CRC-32C of `bytes[start, end)` as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLE
  let c = -1
  let i = start
  const blocks = end - ((end - start) & 7)
  for (; i < blocks; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ -1) >>> 0
}
