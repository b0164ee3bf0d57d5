/**
 * Unpack, step 2: nodes from the configuration, then each node's status
 * entry: transient attributes, and whether it is online, clean, standby,
 * pending or shutting down (with fencing decisions for unclean nodes).
 *
 * @module
 */
import { INFINITY, toScore } from '../model/scores.js'
import type { NodeStatus } from '../model/status.js'
import { fenceNode } from './fence-node.js'
import type { Node, WorkingSet } from './types.js'
import { isTrue } from './unpack-config.js'

/** Pacemaker's `pcmk__numeric_strcasecmp`: case-insensitive, digit runs compared as numbers. */
export function numericCompare(a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const ca = a[i]!
    const cb = b[j]!
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i
      let ej = j
      while (ei < a.length && isDigit(a[ei]!)) ei++
      while (ej < b.length && isDigit(b[ej]!)) ej++
      const na = Number(a.slice(i, ei))
      const nb = Number(b.slice(j, ej))
      if (na !== nb) return na < nb ? -1 : 1
      i = ei
      j = ej
      continue
    }
    const la = ca.toLowerCase()
    const lb = cb.toLowerCase()
    if (la !== lb) return la < lb ? -1 : 1
    i++
    j++
  }
  return (a.length - i) - (b.length - j)
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9'
}

/** Creates every configured node, sorted as Pacemaker sorts its node list. */
export function unpackNodes(ws: WorkingSet): void {
  for (const [name, cfg] of Object.entries(ws.config.nodes)) {
    const node: Node = {
      name,
      id: cfg.id ?? name,
      type: cfg.type ?? 'member',
      attrs: new Map([['#kind', cfg.type === 'remote' ? 'remote' : 'cluster']]),
      utilization: new Map(Object.entries(cfg.utilization ?? {})),
      weight: toScore(cfg.score),
      online: false,
      // Remote nodes without a connection resource are never fenced at start-up.
      unclean: ws.f.startupFencing && cfg.type !== 'remote',
      shutdown: false,
      standby: false,
      standbyOnFail: false,
      pending: false,
      maintenance: false,
      expectedUp: false,
      unseen: true,
      isDc: false,
      unpacked: false,
      numResources: 0,
      running: [],
      priority: 0,
    }
    addNodeAttrs(ws, node, cfg.attributes ?? {}, false)
    ws.nodes.push(node)
    ws.nodeByName.set(name, node)
  }
  ws.nodes.sort((a, b) => numericCompare(a.name, b.name))
}

/** The fixed `#` attributes, then the given ones (replacing existing ones when `overwrite`). */
export function addNodeAttrs(ws: WorkingSet, node: Node, attrs: Record<string, string>, overwrite: boolean): void {
  node.attrs.set('#uname', node.name)
  node.attrs.set('#id', node.id)
  node.attrs.set('#is_dc', node.isDc ? 'true' : 'false')
  const cluster = ws.options.get('cluster-name')
  if (cluster !== undefined) node.attrs.set('#cluster-name', cluster)
  for (const [k, v] of Object.entries(attrs)) {
    if (v.toLowerCase() === '#default') node.attrs.delete(k)
    else if (overwrite || !node.attrs.has(k)) node.attrs.set(k, v)
  }
  if (!node.attrs.has('#site-name')) {
    const site = node.attrs.get('site-name') ?? cluster
    if (site !== undefined) node.attrs.set('#site-name', site)
  }
}

/** Marks the DC (before attributes are added, so `#is_dc` is right). */
export function markDc(ws: WorkingSet, dc: string | undefined): void {
  const node = dc === undefined ? undefined : ws.nodeByName.get(dc)
  if (node === undefined) return
  node.isDc = true
  node.attrs.set('#is_dc', 'true')
  ws.dcNode = node
}

/** First pass over the status section: attributes and online state of each node. */
export function unpackNodeStates(ws: WorkingSet, membership: ReadonlySet<string> | undefined): void {
  for (const [name, raw] of Object.entries(ws.status.nodes)) {
    const node = ws.nodeByName.get(name)
    if (node === undefined || node.type === 'remote') continue
    const state = membership === undefined ? raw : withMembership(raw, membership.has(name))
    addNodeAttrs(ws, node, state.attributes ?? {}, true)
    if (isTrue(node.attrs.get('standby'))) node.standby = true
    if (isTrue(node.attrs.get('maintenance'))) node.maintenance = true
    node.unclean = false
    node.unseen = false
    determineOnlineStatus(ws, node, state)
    if (!ws.f.haveQuorum && node.online && ws.noQuorumPolicy === 'suicide') {
      fenceNode(ws, node, 'cluster does not have quorum')
    }
  }
}

function withMembership(state: NodeStatus, member: boolean): NodeStatus {
  return member
    ? { ...state, inCluster: true, crmd: 'online', join: 'member', expected: 'member' }
    : { ...state, inCluster: false, crmd: 'offline' }
}

function shutdownRequested(node: Node): boolean {
  const v = node.attrs.get('shutdown')
  return v !== undefined && v !== '0'
}

function determineOnlineStatus(ws: WorkingSet, node: Node, state: NodeStatus): void {
  node.shutdown = false
  node.expectedUp = false
  if (shutdownRequested(node)) node.shutdown = true
  else if (state.expected === 'member') node.expectedUp = true
  let online: boolean
  if (node.type === 'ping') {
    node.unclean = false
    online = false
  } else if (!ws.f.stonithEnabled) {
    online = onlineWithoutFencing(ws, node, state)
  } else {
    online = onlineWithFencing(ws, node, state)
  }
  if (online) node.online = true
  if (!online || node.shutdown) node.weight = -INFINITY
}

function onlineWithoutFencing(ws: WorkingSet, node: Node, s: NodeStatus): boolean {
  if (s.inCluster !== true) return false
  if (s.crmd === 'online') return s.join === 'member'
  if (!node.expectedUp) return false
  fenceNode(ws, node, 'peer is unexpectedly down')
  return false
}

function terminateRequested(node: Node): boolean {
  const t = node.attrs.get('terminate')
  if (isTrue(t)) return true
  return t !== undefined && t.length > 0 && t[0] !== '0' && t[0]! >= '0' && t[0]! <= '9'
}

function onlineWithFencing(ws: WorkingSet, node: Node, s: NodeStatus): boolean {
  const terminate = terminateRequested(node)
  const inCluster = s.inCluster === true
  const crmdOnline = s.crmd === 'online'
  const expected = s.expected ?? 'down'
  let online = inCluster
  if (node.shutdown) {
    online = crmdOnline
  } else if (s.inCluster === undefined) {
    fenceNode(ws, node, 'peer has not been seen by the cluster')
  } else if (s.join === 'banned' || s.join === 'nack') {
    fenceNode(ws, node, 'peer failed Pacemaker membership criteria')
  } else if (!terminate && expected === 'down') {
    if (inCluster || crmdOnline) {
      node.standby = true
      node.pending = true
    }
  } else if (terminate && s.join === 'down' && !inCluster && !crmdOnline) {
    online = false
  } else if (!inCluster) {
    fenceNode(ws, node, 'peer is no longer part of the cluster')
  } else if (!crmdOnline) {
    fenceNode(ws, node, 'peer process is no longer available')
  } else if (terminate) {
    fenceNode(ws, node, 'termination was requested')
  } else if (s.join === 'member') {
    // Active.
  } else if (s.join === 'pending' || s.join === 'down') {
    node.standby = true
    node.pending = true
  } else {
    fenceNode(ws, node, 'peer was in an unknown state')
  }
  return online
}
