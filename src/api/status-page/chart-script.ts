/**
 * Browser script (inline in the status page): formatting helpers and small SVG charts. Plain ES2020, no
 * libraries, so the page needs nothing from outside the node.
 */
export const CHART_SCRIPT = String.raw`
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]))
const isNum = (v) => typeof v === 'number' && Number.isFinite(v)
function fmtBytes (n) {
  if (!isNum(n)) return '–'
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let i = 0
  while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++ }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + u[i]
}
const fmtRate = (n) => isNum(n) ? fmtBytes(n) + '/s' : '–'
function fmtDuration (s) {
  if (!isNum(s)) return '–'
  s = Math.max(0, Math.round(s))
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60)
  return d > 0 ? d + 'd ' + h + 'h' : h > 0 ? h + 'h ' + m + 'm' : m > 0 ? m + 'm ' + (s % 60) + 's' : s + 's'
}
const pct = (used, total) => isNum(used) && isNum(total) && total > 0 ? Math.min(100, Math.max(0, used / total * 100)) : undefined
const shortId = (id) => { id = String(id ?? ''); return id.length > 16 ? id.slice(0, 6) + '…' + id.slice(-6) : id }

/** A labelled horizontal bar: used (coloured) against free (grey), with the figures beside it. In a 320-wide row. */
function usageBar (label, used, total, color, text) {
  const p = pct(used, total)
  const w = 150 * (p === undefined ? 0 : p) / 100
  return '<text x="0" y="12">' + esc(label) + '</text>' +
    '<rect x="52" y="3" width="150" height="11" rx="3" fill="var(--free)"/>' +
    '<rect x="52" y="3" width="' + w.toFixed(1) + '" height="11" rx="3" fill="' + color + '"/>' +
    '<text x="320" y="12" text-anchor="end">' + esc(text ?? (p === undefined ? 'unknown' : p.toFixed(0) + '%')) + '</text>'
}

/** Resource use of one site: CPU load against cores, memory and disk used against total. */
function siteChart (t) {
  const rows = [
    ['CPU', t.load, t.cpuCores, 'var(--cpu)', isNum(t.cpuCores) ? (isNum(t.load) ? t.load.toFixed(1) : '?') + ' / ' + t.cpuCores + ' cores' : undefined],
    ['Memory', t.memoryTotal - t.memoryFree, t.memoryTotal, 'var(--mem)', isNum(t.memoryTotal) ? fmtBytes(t.memoryFree) + ' free' : undefined],
    ['Disk', t.diskTotal - t.diskFree, t.diskTotal, 'var(--disk)', isNum(t.diskTotal) ? fmtBytes(t.diskFree) + ' free' : undefined]
  ]
  return '<svg role="img" aria-label="resource use" viewBox="0 0 320 ' + rows.length * 20 + '" width="100%" style="max-width:480px">' +
    rows.map((r, i) => '<g transform="translate(0,' + i * 20 + ')">' + usageBar(r[0], r[1], r[2], r[3], r[4]) + '</g>').join('') + '</svg>'
}

/** Alive / suspect / dead counts as one stacked bar. */
function livenessBar (c) {
  const total = c.alive + c.suspect + c.dead
  if (total === 0) return ''
  let x = 0
  const seg = (n, color) => { const w = n / total * 100; const s = '<rect x="' + x + '%" y="0" width="' + w + '%" height="8" fill="' + color + '"/>'; x += w; return s }
  return '<svg role="img" aria-label="node liveness" width="100%" height="8">' + seg(c.alive, 'var(--ok)') + seg(c.suspect, 'var(--warn)') + seg(c.dead, 'var(--bad)') + '</svg>'
}

/** A rate-over-time area chart of the last samples ([{t, v}]), scaled to its maximum; the figures sit above it in HTML. */
function rateChart (samples) {
  if (samples.length < 2) return '<p class="muted">collecting samples…</p>'
  const max = Math.max(...samples.map(s => s.v))
  const caption = '<p class="muted">transfer rate, last ' + fmtDuration((samples[samples.length - 1].t - samples[0].t) / 1000) + ': ' +
    (max > 0 ? 'now ' + esc(fmtRate(samples[samples.length - 1].v)) + ', peak ' + esc(fmtRate(max)) : 'no traffic') + '</p>'
  if (max <= 0) return caption
  const W = 600, H = 80, pad = 2
  const t0 = samples[0].t, t1 = samples[samples.length - 1].t
  const xs = (t) => pad + (W - 2 * pad) * (t1 === t0 ? 1 : (t - t0) / (t1 - t0))
  const ys = (v) => H - pad - (H - 2 * pad) * v / max
  const pts = samples.map(s => xs(s.t).toFixed(1) + ',' + ys(s.v).toFixed(1)).join(' ')
  return caption + '<svg role="img" aria-label="transfer rate" viewBox="0 0 ' + W + ' ' + H + '" width="100%" height="' + H + '" preserveAspectRatio="none">' +
    '<line class="axis" x1="0" y1="' + (H - pad) + '" x2="' + W + '" y2="' + (H - pad) + '"/>' +
    '<polygon points="' + xs(t0).toFixed(1) + ',' + (H - pad) + ' ' + pts + ' ' + xs(t1).toFixed(1) + ',' + (H - pad) + '" fill="var(--cpu)" fill-opacity=".2"/>' +
    '<polyline points="' + pts + '" fill="none" stroke="var(--cpu)" stroke-width="2" vector-effect="non-scaling-stroke"/></svg>'
}

/** A thin progress bar with its percentage. */
function progressBar (fraction) {
  if (!isNum(fraction)) return '<span class="muted">–</span>'
  const p = Math.min(100, Math.max(0, fraction * 100))
  return '<div class="bar" title="' + p.toFixed(1) + '%"><i style="width:' + p.toFixed(1) + '%"></i></div><span class="muted">' + p.toFixed(0) + '%</span>'
}
`
