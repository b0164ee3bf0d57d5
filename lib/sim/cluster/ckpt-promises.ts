import type { CkptStore } from '../../services/ckpt/store.js'
import type { CkptTraceEntry } from '../../services/ckpt/types.js'
import { InvariantViolation } from '../checkers/violation.js'

/** What an acknowledged change promised: this section as of `version` (absent for a delete). */
interface Promise {
  readonly version: number
  readonly digest: string | undefined
  readonly node: number
  /**
   * Who holds it: `id#incarnation` of the nodes whose complete copy has it.
   * Members holding the checkpoint complete when it was acknowledged; a node
   * that receives a copy from a holder joins; a node whose copy is replaced,
   * or that crashes, leaves.
   */
  readonly holders: Set<string>
}

/**
 * The acknowledged changes of a checkpoint swarm and the log of every change
 * applied anywhere. At the end each promise must hold, or a later applied
 * change must have replaced it — unless every node holding it went away
 * (then it is forgiven: more than the failures a write is promised to survive).
 */
export class PromiseBook {
  readonly #sections = new Map<string, Map<string, Promise>>()
  readonly #unlinks = new Map<string, { readonly version: number; readonly uid: string | undefined; readonly holders: Set<string> }>()
  /** `node|name` → the incarnation its last applied unlink of `name` removed. */
  readonly #unlinked = new Map<string, string | undefined>()
  readonly #writes = new Set<string>()
  readonly #deletes = new Map<string, number[]>()
  readonly #removals = new Map<string, number[]>()
  /** Node (`id#incarnation|name`) → the donor it is receiving from. */
  readonly #receivingFrom = new Map<string, string>()
  forgiven = 0

  /** A local writer was answered ok; `holders` are the members holding the checkpoint then. */
  acked(e: CkptTraceEntry, holders: readonly string[], members: readonly string[]): void {
    if (e.op === 'unlink') {
      const old = this.#unlinks.get(e.name)
      const uid = this.#unlinked.get(`${e.node}|${e.name}`)
      if (old === undefined || e.version > old.version) this.#unlinks.set(e.name, { version: e.version, uid, holders: new Set(members) })
      return
    }
    if (e.section === undefined || (e.op !== 'write' && e.op !== 'delete')) return
    const sections = this.#sections.get(e.name) ?? new Map<string, Promise>()
    const old = sections.get(e.section)
    if (old === undefined || e.version > old.version) {
      sections.set(e.section, { version: e.version, digest: e.op === 'write' ? e.digest : undefined, node: e.node, holders: new Set(holders) })
    }
    this.#sections.set(e.name, sections)
  }

  /** A change applied on some node (the log later changes are looked up in). */
  applied(e: CkptTraceEntry): void {
    if (e.kind === 'write') this.#writes.add(`${e.name}|${e.section}|${e.version}|${e.digest}`)
    const push = (map: Map<string, number[]>, key: string): void => {
      const list = map.get(key) ?? []
      list.push(e.detail === 'unavailable' ? Infinity : e.version)
      map.set(key, list)
    }
    if (e.kind === 'unlink') this.#unlinked.set(`${e.node}|${e.name}`, e.uid)
    if (e.kind === 'delete') push(this.#deletes, `${e.name}|${e.section}`)
    if (e.kind === 'unlink' || e.kind === 'expire' || e.kind === 'create') push(this.#removals, e.name)
  }

  /** Unlinking a checkpoint nobody holds whole any more gives up on whatever it promised. */
  givenUp(name: string): void {
    this.#sections.delete(name)
    this.#unlinks.delete(name)
  }

  /** `who` dropped its copy of `name` for another (received from `donor`, if any). */
  replaced(who: string, name: string, donor: string | undefined): void {
    if (donor === undefined) this.#receivingFrom.delete(`${who}|${name}`)
    else this.#receivingFrom.set(`${who}|${name}`, donor)
    this.#drop(name, (holders) => { holders.delete(who) }, false)
  }

  /** `who` finished receiving `name`: it holds what its donor held. */
  synced(who: string, name: string): void {
    const donor = this.#receivingFrom.get(`${who}|${name}`)
    this.#receivingFrom.delete(`${who}|${name}`)
    for (const p of this.#sections.get(name)?.values() ?? []) if (donor !== undefined && p.holders.has(donor)) p.holders.add(who)
  }

  /** Nodes stopped: only the live ones still hold anything. */
  crashed(live: ReadonlySet<string>): void {
    for (const name of [...this.#sections.keys(), ...this.#unlinks.keys()]) {
      this.#drop(name, (holders) => { for (const h of holders) if (!live.has(h)) holders.delete(h) }, true)
    }
  }

  /** After convergence, against the final replica (all are identical by then). */
  check(store: CkptStore): void {
    for (const [name, sections] of this.#sections) {
      for (const [section, p] of sections) {
        const why = this.#lost(store, name, section, p)
        if (why !== undefined) {
          throw new InvariantViolation('ckpt', `acknowledged ${p.digest === undefined ? 'delete' : 'write'} of ${name}/${section} v${p.version} (node ${p.node}) lost: ${why}`)
        }
      }
    }
    for (const [name, { version, uid }] of this.#unlinks) {
      // A later create (even one that restarted the versions, on nodes that had lost the tombstone) is another incarnation.
      const c = store.get(name)
      if (c !== undefined && c.uid === uid) throw new InvariantViolation('ckpt', `acknowledged unlink of ${name} v${version} undone: ${uid} v${c.version} is back`)
    }
  }

  /** Updates the holders of `name`'s promises (its unlink's too, if `unlink`); forgives those nobody holds. */
  #drop(name: string, update: (holders: Set<string>) => void, unlink: boolean): void {
    const sections = this.#sections.get(name)
    for (const [section, p] of sections ?? []) {
      update(p.holders)
      if (p.holders.size > 0) continue
      sections!.delete(section)
      this.forgiven++
    }
    if (sections?.size === 0) this.#sections.delete(name)
    const u = this.#unlinks.get(name)
    if (u === undefined || !unlink) return
    update(u.holders)
    if (u.holders.size > 0) return
    this.#unlinks.delete(name)
    this.forgiven++
  }

  /** Why the final copy does not keep promise `p`, or undefined if it does. */
  #lost(store: CkptStore, name: string, section: string, p: Promise): string | undefined {
    const c = store.get(name)
    if (c === undefined) return this.#removed(name, p.version) ? undefined : 'the checkpoint is gone'
    if (c.version < p.version) return `the checkpoint went back to v${c.version}`
    const s = c.sections.get(section)
    if (s === undefined) return p.digest === undefined || this.#deleted(name, section, p.version) ? undefined : 'the section is gone'
    const digest = Buffer.from(s.hash).toString('hex')
    if (digest === p.digest) return undefined
    return s.version > p.version && this.#writes.has(`${name}|${section}|${s.version}|${digest}`) ? undefined : `it holds v${s.version}, never applied after it`
  }

  #removed(name: string, after: number): boolean {
    return (this.#removals.get(name) ?? []).some((v) => v > after)
  }

  #deleted(name: string, section: string, after: number): boolean {
    return (this.#deletes.get(`${name}|${section}`) ?? []).some((v) => v > after) || this.#removed(name, after)
  }
}
