/** The status page, served by the node itself (no CDN). Kept as a module so the build ships it. */
export const STATUS_PAGE_HTML = `
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NovaCron node</title>
<style>
  :root { --fg:#1b1f24; --muted:#5b6470; --ok:#1a7f37; --bad:#cf222e; --line:#d0d7de; }
  body { font: 15px/1.4 system-ui, sans-serif; color: var(--fg); margin: 0; padding: 1rem; max-width: 1100px; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem }
  .muted { color: var(--muted) } .ok { color: var(--ok) } .bad { color: var(--bad) }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
  code { font-size: .85em; word-break: break-all }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem }
  .card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem } .card b { display: block; font-size: 1.2rem }
</style>
</head>
<body>
<h1>NovaCron node <span id="role" class="muted"></span></h1>
<div id="ident" class="muted">loading…</div>
<div class="cards" id="cards"></div>
<h2>Peers</h2>
<table><thead><tr><th>Peer</th><th>Role</th><th>Site</th><th>Connected</th><th>Latency</th></tr></thead><tbody id="peers"></tbody></table>
<p class="muted" id="updated"></p>
<script>
const $ = (id) => document.getElementById(id)
const esc = (s) => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]))
async function refresh () {
  try {
    const [status, peers] = await Promise.all([fetch('/api/v1/status').then(r => r.json()), fetch('/api/v1/peers').then(r => r.json())])
    $('role').textContent = '(' + status.role + ')'
    $('ident').innerHTML = '<code>' + esc(status.peerId) + '</code> · site <b>' + esc(status.site) + '</b> · v' + esc(status.version)
    $('cards').innerHTML = [
      ['Health', '<span class="' + (status.health === 'ok' ? 'ok' : 'bad') + '">' + esc(status.health) + '</span>'],
      ['Connections', status.connections], ['Known peers', status.knownPeers], ['Uptime', status.uptimeSeconds + ' s']
    ].map(([k, v]) => '<div class="card">' + k + '<b>' + v + '</b></div>').join('')
    $('peers').innerHTML = peers.map(p => '<tr><td><code>' + esc(p.peerId) + '</code></td><td>' + esc(p.role ?? '?') + '</td><td>' + esc(p.site ?? '?') +
      '</td><td class="' + (p.connected ? 'ok' : 'bad') + '">' + (p.connected ? 'yes' : 'no') + '</td><td>' + (p.latencyMs != null ? p.latencyMs + ' ms' : '–') + '</td></tr>').join('')
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString()
  } catch (err) {
    $('updated').textContent = 'node unreachable: ' + err
  }
}
refresh()
setInterval(refresh, 2000)
</script>
</body>
</html>
`
