/**
 * 32-bit sequence numbers with serial-number arithmetic (RFC 1982): a precedes b
 * when the signed 32-bit difference b − a is positive. Valid while the compared
 * values are less than 2^31 apart, far more than the receive window (16384).
 */

export const SEQ_START = 0

/** a + n modulo 2^32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0
}

/** Signed distance a − b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0
}

export function seqLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0
}

export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b
}

export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a
}
