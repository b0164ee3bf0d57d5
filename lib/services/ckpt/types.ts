import type { NodeId, RingId } from '../../totem/ring-id.js'

/** corosync/openais never had a CKPT id this low; ts-ha's service id of the checkpoint service. */
export const CKPT_SERVICE_ID = 20
/** Longest checkpoint and section names, in UTF-8 bytes. */
export const CKPT_NAME_MAX = 256
/** Largest section (and the default limit): one write is one Totem message. */
export const CKPT_SECTION_SIZE_MAX = 1024 * 1024
export const CKPT_DEFAULT_MAX_SECTIONS = 4096
/** Default bytes of section data per transfer message. */
export const CKPT_TRANSFER_CHUNK_BYTES = 60 * 1024
/**
 * Retention meaning "until unlinked" (the SA Forum's SA_TIME_MAX): no expiry
 * timer is armed. It is the default, so a checkpoint outlives its writer.
 */
export const CKPT_RETAIN_FOREVER = Number.MAX_SAFE_INTEGER
/** Catalog bytes per sync message (a big catalog goes in several). */
export const CKPT_CATALOG_PART_BYTES = 256 * 1024

/** Set at creation; opening an existing checkpoint ignores the values given. */
export interface CkptAttributes {
  /** How long the checkpoint outlives its last close anywhere; CKPT_RETAIN_FOREVER: until unlinked. */
  readonly retentionMs: number
  readonly maxSections: number
  readonly maxSectionSize: number
}

/** Events handed to the library for checkpoints with a handle open on this node. */
export type CkptEvent =
  | { readonly type: 'section'; readonly name: string; readonly section: string; readonly present: boolean }
  | { readonly type: 'unlinked'; readonly name: string }
  | { readonly type: 'synced'; readonly name: string; readonly bytes: number }

export type CkptTraceKind =
  /** Replicated mutations, applied at delivery (or at activation: adopt, promote). */
  | 'create' | 'write' | 'delete' | 'unlink' | 'expire'
  /** A local writer was answered ok (`op` says what it had asked). */
  | 'acked'
  /** This node discarded its copy and starts receiving the winner (versions restart from `version`). */
  | 'adopt'
  /** No complete copy existed anywhere: the best partial copy became the checkpoint (sections lost). */
  | 'promote'
  /** A transfer to this node completed. */
  | 'synced'
  /** Something that must never happen (a transfer that did not add up); checkers fail on it. */
  | 'anomaly'

/** Test and audit hook: what this node applied, with enough to check replicas against each other. */
export interface CkptTraceEntry {
  readonly kind: CkptTraceKind
  readonly node: NodeId
  readonly name: string
  readonly section?: string
  /** The checkpoint's version after the change (for 'acked': the version the write got). */
  readonly version: number
  readonly epoch: number
  /** Hex hash of (section, version, data) for writes; of the whole copy for synced/promote. */
  readonly digest?: string
  readonly op?: 'create' | 'write' | 'delete' | 'unlink'
  readonly quorate: boolean
  readonly at: number
  readonly ringId: RingId
  readonly detail?: string
  /** unlink: the incarnation it removed (a later create of the name is another one). */
  readonly uid?: string
  /** adopt: the copy this node discarded, and the copy it takes instead (as the catalogs had them). */
  readonly prior?: { readonly epoch: number; readonly version: number; readonly complete: boolean }
  readonly winner?: { readonly epoch: number; readonly version: number }
}

/** One checkpoint as this node holds it (`cluster.checkpoints.list()`, `ts-ha status`). */
export interface CheckpointInfo {
  readonly name: string
  readonly sections: number
  /** Bytes of section data held here. */
  readonly bytes: number
  /** Handles open on it, cluster-wide. */
  readonly openHandles: number
  /** False while this node's copy is still being received. */
  readonly complete: boolean
  /** False while no member holds the latest complete copy (writes are refused, reads wait). */
  readonly available: boolean
  /** How long it outlives its last close. */
  readonly retentionMs: number
}
