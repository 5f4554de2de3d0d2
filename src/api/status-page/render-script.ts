/**
 * Browser script (inline in the status page): draws each section from the latest value of each live topic.
 * Shapes of topics owned by other services are read defensively (a missing field shows as "–").
 */
export const RENDER_SCRIPT = String.raw`
const $ = (id) => document.getElementById(id)
const state = { topics: {}, rate: [], lastBytes: undefined, updated: undefined }
const data = (name) => { const t = state.topics[name]; return t != null && 'data' in t ? t.data : undefined }
const has = (name) => state.topics[name] != null
const failed = (name) => { const t = state.topics[name]; return t != null && t.error != null ? t.error.code : undefined }
/** The first array among value itself or value[key] for the given keys. */
function listOf (value, ...keys) {
  if (Array.isArray(value)) return value
  for (const k of keys) if (value != null && Array.isArray(value[k])) return value[k]
  return []
}
const pick = (o, ...keys) => { for (const k of keys) if (o != null && o[k] != null) return o[k]; return undefined }
function labelsHtml (labels) {
  return Object.entries(labels ?? {}).map(([k, v]) => '<span>' + esc(k) + '=' + esc(v) + '</span>').join('')
}
function stateClass (s) {
  s = String(s ?? '')
  return /^(alive|running|ok|yes|done|complete|completed|connected)$/.test(s) ? 'ok' : /^(suspect|starting|stopping|pending|paused|copying|switching|isolated)/.test(s) ? 'warn' : /^(dead|failed|error|crashed|no)$/.test(s) ? 'bad' : 'muted'
}
const emptyRow = (cols, text) => '<tr><td colspan="' + cols + '" class="muted">' + esc(text) + '</td></tr>'

function renderNode () {
  const s = data('status')
  if (s == null) return
  document.title = 'NovaCron · ' + s.site
  $('site-title').textContent = '· ' + s.site + (s.role === 'bootstrap' ? ' (bootstrap seed)' : '')
  $('health').textContent = s.health
  $('health').className = 'pill ' + (s.health === 'ok' ? 'ok' : 'bad')
  $('peer-id').textContent = s.peerId
  const place = [s.site, s.region, s.zone].filter(Boolean).join(' / ')
  $('node-cards').innerHTML = [
    ['Role', esc(s.role)], ['Site', esc(place)], ['Uptime', '<span id="uptime">' + fmtDuration(s.uptimeSeconds) + '</span>'],
    ['Connections', esc(s.connections)], ['Known peers', esc(s.knownPeers)], ['Version', esc(s.version)]
  ].map(([k, v]) => '<div class="card"><span class="muted">' + k + '</span><b>' + v + '</b></div>').join('')
  $('node-labels').innerHTML = labelsHtml(s.labels)
  $('addresses').innerHTML = (s.addresses ?? []).map(a => '<li>' + esc(a) + '</li>').join('')
  state.uptimeBase = { seconds: s.uptimeSeconds, at: Date.now() }
}

function renderPeers () {
  const peers = listOf(data('peers'))
  const up = peers.filter(p => p.connected).length
  $('peer-count').textContent = peers.length > 0 ? '(' + up + ' of ' + peers.length + ' connected)' : ''
  $('peers').innerHTML = peers.length === 0 ? emptyRow(5, failed('peers') ?? 'no peers yet') : peers.map(p =>
    '<tr data-peer="' + esc(p.peerId) + '"><td><code title="' + esc(p.peerId) + '">' + esc(shortId(p.peerId)) + '</code></td><td>' + esc(p.role ?? '?') +
    '</td><td>' + esc(p.site ?? '?') + '</td><td class="' + (p.connected ? 'ok' : 'bad') + '">' + (p.connected ? 'yes' : 'no') +
    '</td><td>' + (isNum(p.latencyMs) ? p.latencyMs.toFixed(1) + ' ms' : '–') + '</td></tr>').join('')
}

/** One row per node: from the cluster view when this node has one, else from itself plus its mesh peers. */
function clusterNodes () {
  if (has('cluster')) {
    return listOf(data('cluster'), 'nodes', 'members').map(m => {
      const r = pick(m, 'record', 'state') ?? m
      const rec = typeof r === 'object' ? r : m
      return {
        peerId: pick(m, 'peerId', 'id') ?? rec.peerId, site: pick(rec, 'site') ?? pick(m, 'site') ?? '?', role: pick(rec, 'role') ?? pick(m, 'role'),
        liveness: pick(m, 'liveness', 'status') ?? (typeof m.state === 'string' ? m.state : undefined),
        labels: pick(rec, 'labels') ?? pick(m, 'labels') ?? {}, resources: pick(rec, 'resources') ?? pick(m, 'resources') ?? {}, vms: listOf(pick(rec, 'vms') ?? pick(m, 'vms'))
      }
    })
  }
  const s = data('status')
  const nodes = s != null ? [{ peerId: s.peerId, site: s.site, role: s.role, liveness: 'alive', labels: s.labels, resources: {}, vms: [] }] : []
  for (const p of listOf(data('peers'))) nodes.push({ peerId: p.peerId, site: p.site ?? '?', role: p.role, liveness: p.connected ? 'alive' : 'unreachable', labels: {}, resources: {}, vms: [] })
  return nodes
}

function renderCluster () {
  const nodes = clusterNodes().filter(n => n.role !== 'bootstrap')
  $('cluster-note').textContent = has('cluster')
    ? (failed('cluster') != null ? 'cluster view unavailable: ' + failed('cluster') : '')
    : 'This node has no cluster view (resources and liveness gossip): nodes below are itself and its mesh peers.'
  const sites = new Map()
  for (const n of nodes) {
    const t = sites.get(n.site) ?? { nodes: 0, alive: 0, suspect: 0, dead: 0, cpuCores: 0, load: 0, memoryTotal: 0, memoryFree: 0, diskTotal: 0, diskFree: 0, known: false }
    t.nodes++
    if (n.liveness === 'alive') t.alive++; else if (n.liveness === 'suspect') t.suspect++; else t.dead++
    const r = n.resources
    if (n.liveness !== 'dead' && isNum(r.memoryTotal)) {
      t.known = true
      for (const k of ['cpuCores', 'load', 'memoryTotal', 'memoryFree', 'diskTotal', 'diskFree']) if (isNum(r[k])) t[k] += r[k]
    }
    sites.set(n.site, t)
  }
  $('sites').innerHTML = [...sites.entries()].sort().map(([site, t]) =>
    '<div class="site" data-site="' + esc(site) + '"><h3>' + esc(site) + ' <span class="muted">' + t.nodes + ' node' + (t.nodes === 1 ? '' : 's') + '</span></h3>' +
    '<div class="legend"><span class="ok">' + t.alive + ' alive</span><span class="warn">' + t.suspect + ' suspect</span><span class="bad">' + t.dead + ' ' + (has('cluster') ? 'dead' : 'unreachable') + '</span></div>' +
    livenessBar(t) + (t.known ? siteChart(t) : '<p class="muted">resources not reported</p>') + '</div>').join('')
  $('nodes').innerHTML = nodes.length === 0 ? emptyRow(8, 'no nodes known') : nodes.map(n => {
    const r = n.resources
    return '<tr data-node="' + esc(n.peerId) + '"><td><code title="' + esc(n.peerId) + '">' + esc(shortId(n.peerId)) + '</code></td><td>' + esc(n.site) +
      '</td><td class="' + stateClass(n.liveness) + '">' + esc(n.liveness ?? '?') + '</td><td class="hide-narrow">' + (isNum(r.cpuCores) ? esc(r.cpuCores) + ' cores' : '–') +
      '</td><td>' + (isNum(r.memoryTotal) ? fmtBytes(r.memoryFree) + ' free of ' + fmtBytes(r.memoryTotal) : '–') +
      '</td><td class="hide-narrow">' + (isNum(r.diskTotal) ? fmtBytes(r.diskFree) + ' free' : '–') + '</td><td>' + n.vms.length +
      '</td><td class="hide-narrow labels">' + labelsHtml(n.labels) + '</td></tr>'
  }).join('')
}

function renderVms () {
  const self = data('status')?.peerId
  const here = listOf(data('vms'), 'vms', 'items').map(v => ({ ...v, host: 'this node' }))
  const elsewhere = []
  for (const n of clusterNodes()) if (n.peerId !== self) for (const v of n.vms) elsewhere.push({ ...v, host: shortId(n.peerId) + ' (' + n.site + ')' })
  $('vms-note').textContent = has('vms') ? (failed('vms') != null ? 'VM list unavailable: ' + failed('vms') : '') : 'This node runs no VM service (bootstrap seed, or not built yet); VMs elsewhere come from the cluster view.'
  const all = [...here, ...elsewhere]
  $('vms').innerHTML = all.length === 0 ? emptyRow(5, 'none') : all.map(v => {
    const st = pick(v, 'state', 'actualState', 'status')
    const mem = pick(v, 'memoryBytes', 'memory')
    return '<tr><td>' + esc(v.name) + '</td><td>' + esc(v.host) + '</td><td class="' + stateClass(st) + '">' + esc(st ?? '?') + '</td><td>' + esc(pick(v, 'vcpus', 'cpus') ?? '–') +
      '</td><td>' + (isNum(mem) ? fmtBytes(mem) : '–') + '</td></tr>'
  }).join('')
}

function renderImages () {
  const images = listOf(data('images'), 'images', 'items')
  $('images-note').textContent = has('images') ? (failed('images') ?? '') : 'This node has no image store API yet.'
  $('images').innerHTML = images.length === 0 ? emptyRow(3, 'none') : images.map(i =>
    '<tr><td>' + esc(i.name) + '</td><td>' + esc(pick(i, 'version', 'versions') ?? '–') + '</td><td>' + fmtBytes(pick(i, 'size', 'sizeBytes')) + '</td></tr>').join('')
  const transfers = listOf(data('transfers'), 'transfers', 'items')
  $('transfers').innerHTML = transfers.length === 0 ? emptyRow(4, has('transfers') ? 'none' : 'no transfer API on this node') : transfers.map(t => {
    const done = pick(t, 'bytesDone', 'doneBytes', 'receivedBytes', 'bytes')
    const total = pick(t, 'bytesTotal', 'totalBytes', 'size')
    const frac = pick(t, 'progress') ?? (isNum(done) && isNum(total) && total > 0 ? done / total : undefined)
    // where the disk is written (pull --out), and why not when a resumed pull cannot write it any more
    const out = typeof t.out === 'string' ? '<br><span class="muted">→ ' + esc(t.out) + (t.outError != null ? ' (not written: ' + esc(t.outError.message) + ')' : '') + '</span>' : ''
    return '<tr><td>' + esc(pick(t, 'ref', 'image', 'name', 'id') ?? '?') + out + '</td><td>' + progressBar(frac) + '</td><td>' + fmtRate(pick(t, 'rateBytesPerSec', 'bytesPerSecond', 'rate')) +
      '</td><td class="hide-narrow">' + esc(pick(t, 'peers', 'peerCount') ?? '–') + '</td></tr>'
  }).join('')
  $('rate-chart').innerHTML = has('transfers') ? rateChart(state.rate) : ''
}

/** Sample the total transfer rate: the rates the API reports, else the growth of bytes done. */
function sampleRate () {
  if (!has('transfers')) return
  const transfers = listOf(data('transfers'), 'transfers', 'items')
  const now = Date.now()
  let v = transfers.reduce((sum, t) => sum + (pick(t, 'rateBytesPerSec', 'bytesPerSecond', 'rate') ?? 0), 0)
  const bytes = transfers.reduce((sum, t) => sum + (pick(t, 'bytesDone', 'doneBytes', 'receivedBytes') ?? 0), 0)
  if (v === 0 && state.lastBytes != null && now > state.lastBytes.t) v = Math.max(0, (bytes - state.lastBytes.v) / ((now - state.lastBytes.t) / 1000))
  state.lastBytes = { t: now, v: bytes }
  state.rate.push({ t: now, v })
  if (state.rate.length > 120) state.rate.shift()
}

function renderMigrations () {
  const migrations = listOf(data('migrations'), 'migrations', 'items')
  $('migrations').innerHTML = migrations.length === 0 ? emptyRow(4, 'none') : migrations.map(m => {
    const phase = pick(m, 'phase', 'state', 'status')
    return '<tr><td>' + esc(pick(m, 'vm', 'name') ?? '?') + '</td><td>' + esc(shortId(pick(m, 'source', 'from'))) + ' → ' + esc(shortId(pick(m, 'target', 'to'))) +
      '</td><td class="' + stateClass(phase) + '">' + esc(phase ?? '?') + '</td><td>' + progressBar(pick(m, 'progress')) + '</td></tr>'
  }).join('')
}

function renderAll () {
  for (const f of [renderNode, renderPeers, renderCluster, renderVms, renderImages, renderMigrations]) {
    try { f() } catch (err) { console.error(f.name, err) }
  }
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString()
}
`
