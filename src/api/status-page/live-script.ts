/**
 * Browser script (inline in the status page): follows `GET /api/v1/events` and redraws. EventSource reconnects
 * by itself (the server sends `retry:`); every reconnect starts with a fresh snapshot.
 */
export const LIVE_SCRIPT = String.raw`
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
    state.topics[c.topic] = 'error' in c ? { error: c.error } : { data: c.data }
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
