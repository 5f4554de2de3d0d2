import type { Route } from '../router.js'
import { STATUS_PAGE_HTML } from '../status-page/page.js'

/** `GET /`: the status page. Self-contained (no CDN), so it works on a site with no internet. */
export function statusPageRoute (): Route {
  return { method: 'GET', pattern: '/', handler: () => ({ text: STATUS_PAGE_HTML, contentType: 'text/html; charset=utf-8' }) }
}
