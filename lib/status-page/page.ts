/**
 * The status page's HTML and stylesheet: one small document, no framework,
 * readable on a phone (a single column that becomes a grid on wide screens,
 * tables that become stacked rows on narrow ones).
 *
 * @module
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ts-ha status</title>
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header>
  <h1 id="cluster">ts-ha</h1>
  <span id="quorum" class="badge">…</span>
  <span id="live" class="live" data-state="connecting" title="live updates">connecting</span>
</header>
<main>
  <section class="card" id="summary-card"><h2>Cluster Summary</h2><ul id="summary"></ul></section>
  <section class="card" id="nodes-card"><h2>Nodes</h2><div id="nodes" class="nodes"></div></section>
  <div id="sections"></div>
</main>
<footer><a href="metrics">metrics</a> · <a href="status.json">status.json</a></footer>
</body>
</html>
`

export const PAGE_CSS = `:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --line: #8884; --card: #8881; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; flex: 1 1 auto; overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
main { display: grid; gap: .75rem; padding: .75rem; grid-template-columns: 1fr; }
@media (min-width: 900px) { main { grid-template-columns: 1fr 1fr; } #sections { grid-column: 1 / -1; display: grid; gap: .75rem; grid-template-columns: 1fr 1fr; } }
#sections { display: grid; gap: .75rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; min-width: 0; }
ul { margin: 0; padding-left: 1.1rem; } li { overflow-wrap: anywhere; }
.badge { padding: .15rem .6rem; border-radius: 1rem; font-weight: 600; color: #fff; background: var(--warn); }
.badge[data-quorate="true"] { background: var(--ok); } .badge[data-quorate="false"] { background: var(--bad); }
.live { font-size: .85rem; } .live::before { content: "●"; margin-right: .3rem; color: var(--warn); }
.live[data-state="live"]::before { color: var(--ok); } .live[data-state="lost"]::before { color: var(--bad); }
.nodes { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); }
.node { border: 2px solid var(--line); border-radius: .5rem; padding: .5rem; }
.node[data-state="online"] { border-color: var(--ok); } .node[data-state="offline"] { border-color: var(--bad); opacity: .8; }
.node .name { font-weight: 600; overflow-wrap: anywhere; } .node .state { font-size: .85rem; }
.node[data-state="online"] .state { color: var(--ok); } .node[data-state="offline"] .state { color: var(--bad); font-weight: 700; }
.node .detail { font-size: .8rem; opacity: .75; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
tr[data-state="warn"] td:first-child { border-left: 3px solid var(--warn); } tr[data-state="bad"] td:first-child { border-left: 3px solid var(--bad); }
.empty { opacity: .7; font-style: italic; }
@media (max-width: 600px) {
  thead { display: none; } table, tbody, tr, td { display: block; width: 100%; }
  tr { border-bottom: 1px solid var(--line); padding: .3rem 0; } td { border: 0; padding: .1rem .2rem; }
  td::before { content: attr(data-label) ": "; font-weight: 600; }
}
footer { padding: .5rem 1rem 1rem; font-size: .85rem; opacity: .8; }
`
