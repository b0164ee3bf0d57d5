/**
 * Questions about a resource's current and planned state that the rest of
 * the pipeline asks: is it active, where does it run, where will it run,
 * which role does it (or will it) have.
 *
 * @module
 */
import { R, V, type Node, type Rsc } from './types.js'

/** Whether the resource (all of it, or any of it) is active (Pacemaker's `fns->active`). */
export function isActive(rsc: Rsc, all: boolean): boolean {
  if (rsc.variant === V.Native) {
    for (const node of rsc.runningOn) {
      if (node.unclean) return true
      if (!node.online && rsc.f.managed) continue
      return true
    }
    return false
  }
  if (rsc.variant === V.Group) {
    let any = false
    let every = true
    for (const c of rsc.children) {
      if (isActive(c, all)) any = true
      else every = false
    }
    return any && (!all || every)
  }
  for (const c of rsc.children) {
    const active = isActive(c, all)
    if (!all && active) return true
    if (all && !active) return false
  }
  return all
}

/**
 * The nodes the resource runs on now (`current`), with a pending node too
 * (`current === 2`), or will run on (`current === false`); `one` is set when
 * that is exactly one node.
 */
export function location(rsc: Rsc, current: boolean | 2): { one: Node | undefined; list: Node[] } {
  const list: Node[] = []
  collect(rsc, current, list)
  return { one: list.length === 1 ? list[0] : undefined, list }
}

function collect(rsc: Rsc, current: boolean | 2, into: Node[]): void {
  const add = (n: Node): void => {
    if (!into.includes(n)) into.push(n)
  }
  if (rsc.children.length > 0) {
    const sub: Node[] = []
    for (const c of rsc.children) collect(c, current, sub)
    sub.forEach(add)
    return
  }
  if (current !== false) {
    rsc.runningOn.forEach(add)
    if (current === 2 && rsc.pendingNode !== undefined) add(rsc.pendingNode)
  } else if (rsc.allocatedTo !== undefined) {
    add(rsc.allocatedTo.node)
  }
}

/** Where the resource is active, preferring a clean node when fencing is not required. */
export function findActiveOn(rsc: Rsc): { node: Node | undefined; all: number; clean: number } {
  let active: Node | undefined
  let all = 0
  let clean = 0
  for (const node of rsc.runningOn) {
    const happy = node.online && !node.unclean
    all++
    if (happy) clean++
    if (!rsc.f.needsFencing && happy && (active === undefined || !active.online || active.unclean)) active = node
    if (active === undefined) active = node
  }
  return { node: active, all, clean }
}

/** The first node the resource is active on (Pacemaker's `pe__current_node`). */
export function currentNode(rsc: Rsc): Node | undefined {
  if (rsc.runningOn.length === 0) return undefined
  if (rsc.f.needsFencing) return rsc.runningOn[0]
  return findActiveOn(rsc).node
}

/** The highest current (or next) role of the resource or any descendant. */
export function state(rsc: Rsc, current: boolean): R {
  if (rsc.variant === V.Native) return current ? rsc.role : rsc.nextRole
  let role = R.Unknown
  for (const c of rsc.children) {
    const r = state(c, current)
    if (r > role) role = r
  }
  return role
}

/** The top of a resource's tree (Pacemaker's `uber_parent`). */
export function top(rsc: Rsc): Rsc {
  let r = rsc
  while (r.parent !== undefined) r = r.parent
  return r
}

/** Whether the flag is set on the resource and (`any`: any / else: all) descendants. */
export function isSetRecursive(rsc: Rsc, flag: keyof Rsc['f'], any: boolean): boolean {
  let all = true
  let some = false
  if (rsc.f[flag]) some = true
  else if (!any) return false
  for (const c of rsc.children) {
    if (isSetRecursive(c, flag, any)) some = true
    else all = false
  }
  return any ? some : all && rsc.f[flag]
}

/** A clone (Pacemaker's `pe_rsc_is_clone`). */
export function isClone(rsc: Rsc | undefined): boolean {
  return rsc !== undefined && rsc.variant === V.Clone
}

/** An anonymous clone. */
export function isAnonClone(rsc: Rsc | undefined): boolean {
  return isClone(rsc) && !rsc!.f.unique
}

/** A globally unique clone. */
export function isUniqueClone(rsc: Rsc | undefined): boolean {
  return isClone(rsc) && rsc!.f.unique
}

/** Whether `parent` is an ancestor of `child`. */
export function isParent(child: Rsc, parent: Rsc): boolean {
  let p = child.parent
  while (p !== undefined) {
    if (p === parent) return true
    p = p.parent
  }
  return false
}
