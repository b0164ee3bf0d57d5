/**
 * CMAP value types (corosync cmap: int8 … uint64, float, double, string, binary).
 * Numbers outside the safe-integer range are bigint.
 */
export type CmapType =
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'float' | 'double' | 'string' | 'binary'

export type CmapValue = number | bigint | string | Uint8Array

export interface CmapEntry {
  readonly type: CmapType
  readonly value: CmapValue
}

export type CmapEventKind = 'add' | 'modify' | 'delete'

export interface CmapChange {
  readonly kind: CmapEventKind
  readonly key: string
  readonly value: CmapEntry | undefined
  readonly old: CmapEntry | undefined
}
