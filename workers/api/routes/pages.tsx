// The live status page: HTML shells (hono JSX), its script and stylesheet. The shells hold no data,
// so they need no token; the script reads the API under the same auth rules as any client.
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { GroupListPage, GroupPage } from '../status-page/layout.js';
import { STATUS_SCRIPT } from '../status-page/script.js';
import { STATUS_STYLE } from '../status-page/style.js';

/** Only the page's own script, stylesheet and API calls; no inline code, no framing, no referrer. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export const pageRoutes = new Hono<AppEnv>()
  .get('/', (c) => c.html(`<!doctype html>${String(<GroupListPage />)}`, 200, PAGE_HEADERS))
  .get('/groups/:group', (c) => {
    const group = c.req.param('group');
    if (!c.var.groups.has(group)) {
      return c.text(`no group ${group} is configured`, 404, PAGE_HEADERS);
    }
    return c.html(`<!doctype html>${String(<GroupPage group={group} />)}`, 200, PAGE_HEADERS);
  })
  .get('/status.js', (c) =>
    c.body(STATUS_SCRIPT, 200, { ...PAGE_HEADERS, 'Content-Type': 'text/javascript; charset=utf-8' }),
  )
  .get('/status.css', (c) =>
    c.body(STATUS_STYLE, 200, { ...PAGE_HEADERS, 'Content-Type': 'text/css; charset=utf-8' }),
  )
  // Browsers ask for it on every page; no icon, and no 404 in their consoles.
  .get('/favicon.ico', (c) => c.body(null, 204, PAGE_HEADERS));
