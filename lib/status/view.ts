import { STATUS_SECTIONS, type StatusSection, type StatusTable } from './sections.js'
import type { StatusSnapshot } from './snapshot.js'
import { summaryLines } from './text.js'

/** A section ready to draw: the status page draws any section from this alone. */
export interface SectionView extends StatusTable {
  readonly id: string
  readonly title: string
  readonly emptyText: string
}

/** What the status page receives (`/status.json`, and each server-sent `status` event). */
export interface StatusView {
  readonly snapshot: StatusSnapshot
  readonly summary: readonly string[]
  readonly sections: readonly SectionView[]
}

/** The page's model: the snapshot plus every section as a table, so new sections need no page change. */
export function statusView(snapshot: StatusSnapshot, sections: readonly StatusSection[] = STATUS_SECTIONS): StatusView {
  return {
    snapshot,
    summary: summaryLines(snapshot, sections),
    sections: sections.map((s) => ({ id: s.id, title: s.title, emptyText: s.emptyText, ...s.table(snapshot) })),
  }
}
