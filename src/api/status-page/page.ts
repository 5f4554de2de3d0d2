import { CHART_SCRIPT } from './chart-script.js'
import { RENDER_SCRIPT } from './render-script.js'
import { LIVE_SCRIPT } from './live-script.js'

/**
 * The status page, served by the node itself: one HTML document with its CSS and script inline (no CDN, no
 * external fonts), so it works on a site with no internet. It follows `GET /api/v1/events` (server-sent events)
 * and redraws on every change; sections whose API does not exist on this node say so.
 */
const STYLE = `
  :root { --fg:#1b1f24; --muted:#5b6470; --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --line:#d0d7de; --bg:#fff; --panel:#f6f8fa;
          --cpu:#0969da; --mem:#8250df; --disk:#bf8700; --free:#d8dee4 }
  @media (prefers-color-scheme: dark) {
    :root { --fg:#e6edf3; --muted:#9198a1; --ok:#3fb950; --warn:#d29922; --bad:#f85149; --line:#30363d; --bg:#0d1117; --panel:#161b22; --free:#30363d }
  }
  * { box-sizing: border-box }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: .8rem; max-width: 1200px }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1rem; border-bottom: 2px solid var(--line); padding-bottom: .5rem }
  h1 { font-size: 1.35rem; margin: 0 } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem } h3 { font-size: 1rem; margin: .2rem 0 .4rem }
  .muted { color: var(--muted) } .ok { color: var(--ok) } .warn { color: var(--warn) } .bad { color: var(--bad) }
  .pill { display: inline-block; padding: 0 .5rem; border-radius: 999px; border: 1px solid currentColor; font-size: .85rem; white-space: nowrap }
  .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch }
  table { border-collapse: collapse; width: 100% } td, th { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top }
  th { font-weight: 600; font-size: .85rem; color: var(--muted) }
  code, .mono { font: .82rem/1.3 ui-monospace, "SFMono-Regular", Menlo, monospace; word-break: break-all }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: .6rem }
  .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .7rem; min-width: 0 }
  .card b { display: block; font-size: 1.25rem; overflow-wrap: anywhere }
  .sites { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: .8rem }
  .site { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem }
  .legend span { margin-right: .8rem; font-size: .85rem } .sw { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .25em; vertical-align: -1px }
  .bar { height: .55rem; background: var(--free); border-radius: 4px; overflow: hidden; min-width: 4rem } .bar > i { display: block; height: 100%; background: var(--cpu) }
  .labels span { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem; margin: 0 .2rem .2rem 0; font-size: .8rem }
  svg text { fill: var(--fg); font-size: 11px } svg .axis { stroke: var(--line) }
  footer { margin-top: 1.5rem; font-size: .85rem }
  @media (max-width: 600px) {
    body { font-size: 14px; padding: .5rem } .hide-narrow { display: none } td, th { padding: .3rem .3rem }
    .sites { grid-template-columns: 1fr }
  }
`

const BODY = `
<header>
  <h1>NovaCron <span id="site-title"></span></h1>
  <span id="health" class="pill muted">…</span>
  <span id="live" class="pill muted">connecting</span>
</header>
<section id="node"><h2>This node</h2><div class="cards" id="node-cards"></div>
  <p class="muted">Peer ID <code id="peer-id">…</code></p><div id="node-labels" class="labels"></div>
  <details><summary>Addresses</summary><ul id="addresses" class="mono"></ul></details></section>
<section id="peers-section"><h2>Peers <span id="peer-count" class="muted"></span></h2>
  <div class="scroll"><table><thead><tr><th>Peer</th><th>Role</th><th>Site</th><th>Connected</th><th>Latency</th></tr></thead><tbody id="peers"></tbody></table></div></section>
<section id="cluster-section"><h2>Cluster by site</h2><p id="cluster-note" class="muted"></p><div class="sites" id="sites"></div>
  <h3 style="margin-top:.8rem">Nodes</h3>
  <div class="scroll"><table><thead><tr><th>Node</th><th>Site</th><th>State</th><th class="hide-narrow">CPU</th><th>Memory</th><th class="hide-narrow">Disk</th><th>VMs</th><th class="hide-narrow">Labels</th></tr></thead><tbody id="nodes"></tbody></table></div></section>
<section id="vms-section"><h2>Virtual machines</h2><p id="vms-note" class="muted"></p>
  <div class="scroll"><table><thead><tr><th>VM</th><th>Host</th><th>State</th><th>vCPU</th><th>Memory</th></tr></thead><tbody id="vms"></tbody></table></div></section>
<section id="images-section"><h2>Images and transfers</h2><p id="images-note" class="muted"></p>
  <div class="scroll"><table><thead><tr><th>Image</th><th>Version</th><th>Size</th></tr></thead><tbody id="images"></tbody></table></div>
  <h3 style="margin-top:.8rem">Transfers</h3><div id="rate-chart"></div>
  <div class="scroll"><table><thead><tr><th>Transfer</th><th>Progress</th><th>Rate</th><th class="hide-narrow">Peers</th></tr></thead><tbody id="transfers"></tbody></table></div></section>
<section id="migrations-section"><h2>Migrations</h2>
  <div class="scroll"><table><thead><tr><th>VM</th><th>From → to</th><th>Phase</th><th>Progress</th></tr></thead><tbody id="migrations"></tbody></table></div></section>
<footer class="muted">Served by this node; live through <code>/api/v1/events</code>. API: <a href="/openapi.json">/openapi.json</a> · <a href="/metrics">/metrics</a> · <span id="updated"></span></footer>
`

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:">
<title>NovaCron node</title>
<style>${STYLE}</style>
</head>
<body>
${BODY}
<script>
"use strict";
${CHART_SCRIPT}
${RENDER_SCRIPT}
${LIVE_SCRIPT}
</script>
</body>
</html>
`
