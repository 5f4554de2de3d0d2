import { applyDelta } from '../event-delta.js'

/**
 * Browser script (inline in the status page): follows `GET /api/v1/events` and redraws. EventSource reconnects
 * by itself (the server sends `retry:`); every reconnect starts with a fresh snapshot. A change carries the new
 * value or a delta against the value this page holds (applyDelta's own source is embedded).
 */
export const LIVE_SCRIPT = String.raw`
${applyDelta.toString()}
function setLive (text, cls) { $('live').textContent = text; $('live').className = 'pill ' + cls }
function connect () {
  const es = new EventSource('/api/v1/events')
  es.addEventListener('snapshot', (e) => {
    state.topics = JSON.parse(e.data).topics
    setLive('live', 'ok')
    renderAll()
  })
  es.addEventListener('change', (e) => {
    const c = JSON.parse(e.data)
    state.topics[c.topic] = 'patch' in c ? { data: applyDelta(data(c.topic), c.patch) } : 'error' in c ? { error: c.error } : { data: c.data }
    renderAll()
  })
  es.onerror = () => { setLive(es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…', 'bad') }
}
connect()
setInterval(() => {
  sampleRate()
  if (has('transfers')) $('rate-chart').innerHTML = rateChart(state.rate)
  if (state.uptimeBase != null && $('uptime') != null) $('uptime').textContent = fmtDuration(state.uptimeBase.seconds + (Date.now() - state.uptimeBase.at) / 1000)
}, 1000)
`
