// The status page's shells, script and stylesheet: served without data, under a strict CSP, and
// never weakening the API's auth (the data still needs the read token).
import { describe, expect, it } from 'vitest';
import { call, fakeEnv, READ_TOKEN } from './harness.workers.js';

const env = () => fakeEnv(undefined, { readToken: true });

describe('status page', () => {
  it('serves the group list and a group page as HTML shells with a strict CSP and no inline script', async () => {
    for (const path of ['/', '/groups/mymaster']) {
      const res = await call(path, {}, env());
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await res.text();
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toContain('<script src="/status.js" defer="">');
      // Every <script> has a src: nothing runs inline, and no token is ever written into the page.
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
      expect(html).not.toContain(READ_TOKEN);
    }
    const group = await (await call('/groups/mymaster', {}, env())).text();
    expect(group).toContain('data-group="mymaster"');
    expect(group).toContain('id="master"');
  });

  it('answers 404 for a group that is not configured, escaping nothing into HTML', async () => {
    const res = await call('/groups/%3Cscript%3E', {}, env());
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/plain');
  });

  it('serves its script and stylesheet with their types', async () => {
    const js = await call('/status.js', {}, env());
    expect(js.headers.get('content-type')).toContain('text/javascript');
    const source = await js.text();
    expect(source).toContain('text/event-stream');
    expect(source).not.toContain('innerHTML');
    const css = await call('/status.css', {}, env());
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('leaves the data behind the read token', async () => {
    expect((await call('/v1/groups', {}, env())).status).toBe(401);
  });
});
