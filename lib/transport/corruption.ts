/**
 * How a datagram gets damaged in flight, shared by the fault-injecting
 * transport ({@link faulty}) and the simulator's network so that both inject
 * the same kinds of damage: what NIC offload bugs, virtual switches and bad
 * memory do to real frames.
 *
 * - `flip`: 1 to 3 random bits inverted;
 * - `truncate`: cut short at a random length (possibly empty);
 * - `splice`: the head of this datagram glued to the tail of another one
 *   recently seen (two frames merged by a buggy reassembly);
 * - `garbage`: random bytes of a random length up to the original's.
 */
export type CorruptionKind = 'flip' | 'truncate' | 'splice' | 'garbage'

export const CORRUPTION_KINDS: readonly CorruptionKind[] = ['flip', 'truncate', 'splice', 'garbage']

/** Uniform integers in [0, n) from whatever seeded generator the caller uses. */
export type RandomInt = (maxExclusive: number) => number

/** A fresh, altered copy of `bytes`; `other` (any earlier datagram) feeds splices. */
export function corrupt(bytes: Uint8Array, kind: CorruptionKind, int: RandomInt, other: Uint8Array | undefined): Uint8Array {
  switch (kind) {
    case 'flip': {
      const out = Uint8Array.from(bytes)
      if (out.length === 0) return Uint8Array.of(int(256))
      for (let k = 1 + int(3); k > 0; k--) {
        const at = int(out.length)
        out[at] = out[at]! ^ (1 << int(8))
      }
      return out
    }
    case 'truncate':
      return bytes.slice(0, int(Math.max(1, bytes.length)))
    case 'splice': {
      const tail = other ?? bytes
      // Cut after the first byte where the two differ, so the result is not simply the other datagram
      // (frames of one cluster share their header bytes).
      const shared = Math.min(bytes.length, tail.length)
      let differ = 0
      while (differ < shared && bytes[differ] === tail[differ]) differ++
      const cut = differ + 1 + int(Math.max(1, shared - differ))
      const out = new Uint8Array(Math.max(cut, tail.length))
      out.set(bytes.subarray(0, cut), 0)
      if (cut < tail.length) out.set(tail.subarray(cut), cut)
      return out
    }
    case 'garbage': {
      const out = new Uint8Array(1 + int(Math.max(1, bytes.length)))
      for (let i = 0; i < out.length; i++) out[i] = int(256)
      return out
    }
  }
}
