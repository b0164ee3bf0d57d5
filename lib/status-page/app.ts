/**
 * The status page's script, served as `/app.js`. It draws the `StatusView`
 * it receives over server-sent events (`/events`), with textContent only
 * (names come from the cluster and are never parsed as HTML), and shows
 * whether the feed is live.
 *
 * @module
 */

export const PAGE_JS = `'use strict'
const $ = (id) => document.getElementById(id)
function el(tag, attrs, text) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v)
  if (text !== undefined) e.textContent = text
  return e
}
function drawNodes(snapshot) {
  const box = $('nodes')
  box.replaceChildren(...snapshot.nodes.map((n) => {
    const card = el('div', { class: 'node', 'data-node': n.name, 'data-node-id': String(n.nodeId), 'data-state': n.online ? 'online' : 'offline' })
    card.append(el('div', { class: 'name' }, n.name + (n.local ? ' (local)' : '')))
    card.append(el('div', { class: 'state' }, n.online ? 'online' : 'OFFLINE'))
    card.append(el('div', { class: 'detail' }, 'id ' + n.nodeId + ' · ' + n.addr + ' · ' + n.votes + ' vote' + (n.votes === 1 ? '' : 's')))
    return card
  }))
}
function drawSection(s) {
  const card = el('section', { class: 'card', id: 'section-' + s.id, 'data-section': s.id })
  card.append(el('h2', {}, s.title))
  if (s.rows.length === 0) { card.append(el('p', { class: 'empty' }, s.emptyText)); return card }
  const table = el('table')
  const head = el('tr')
  for (const c of s.columns) head.append(el('th', { scope: 'col' }, c))
  table.append(el('thead')).append(head)
  const body = el('tbody')
  for (const r of s.rows) {
    const tr = el('tr', r.state ? { 'data-state': r.state } : {})
    r.cells.forEach((cell, i) => tr.append(el('td', { 'data-label': s.columns[i] || '' }, cell)))
    body.append(tr)
  }
  table.append(body)
  card.append(table)
  return card
}
function draw(view) {
  const s = view.snapshot
  document.title = s.clusterName + ' · ts-ha'
  $('cluster').textContent = s.clusterName
  const q = $('quorum')
  q.dataset.quorate = String(s.quorum.quorate)
  q.textContent = s.quorum.quorate ? 'quorate' : 'NO QUORUM'
  $('summary').replaceChildren(...view.summary.map((line) => el('li', {}, line)))
  drawNodes(s)
  $('sections').replaceChildren(...view.sections.filter((x) => x.id !== 'nodes').map(drawSection))
  document.body.dataset.ringId = s.ringId || ''
  document.body.dataset.updated = s.collectedAt
}
function live(state, text) { const l = $('live'); l.dataset.state = state; l.textContent = text }
function connect() {
  const es = new EventSource('events')
  es.addEventListener('status', (e) => { draw(JSON.parse(e.data)); live('live', 'live') })
  es.onerror = () => { live('lost', 'reconnecting…') }
}
fetch('status.json').then((r) => r.json()).then(draw).catch(() => {})
connect()
`
