// End to end: the live status page in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core; nothing downloads a browser) follows a failover without a reload.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Debian's package; `.ci/run` installs it when missing. */
const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshot is kept (git-ignored). */
const ARTIFACTS = join(root, 'test-artifacts');
// This file's own ports: redis 7781-7783, wrangler 8871, Sentinel 26781.., metrics 26791...
const REDIS_PORT = 7781;
/** The Worker's READ_TOKEN: the page must ask for it and keep it out of every URL. */
const READ_TOKEN = 'status-page-read-token-0123456789abcdef';
const READ_KEY = 'edge-sentinel.read-token';

/** The page's Web Storage, as seen from code that runs in the page (these tests run on Node's types). */
interface PageStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  readonly length: number;
}
/** Generous: the failover itself takes about 1.3 s. */
const SHOWN_WITHIN_MS = 30_000;

describe('live status page in a real headless Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26781,
      metricsPort: 26791,
      coordinatorPort: 8871,
      readToken: READ_TOKEN,
    });
    // Running as root (CI) needs --no-sandbox; the page is our own, on loopback.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('asks for the read token, refuses a wrong one, keeps the right one for the session and out of every URL', async () => {
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${stack.coordinatorUrl}/groups/${stack.options.group}`);
    const auth = page.locator('#auth');
    await expect.poll(() => auth.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.locator('#master').getAttribute('data-master')).toBeNull();

    const refused = page.waitForResponse((r) => r.url().includes('/v1/groups/') && r.status() === 403);
    await page.fill('#token-input', 'not-the-read-token-0123456789');
    await page.press('#token-input', 'Enter');
    await refused;
    await expect.poll(() => auth.isVisible(), { timeout: 10_000 }).toBe(true);

    await page.fill('#token-input', READ_TOKEN);
    await page.press('#token-input', 'Enter');
    const master = page.locator('#master');
    await expect
      .poll(() => master.getAttribute('data-master'), { timeout: 20_000 })
      .toBe(`127.0.0.1:${REDIS_PORT}`);
    expect(await auth.isVisible()).toBe(false);
    // Kept for this tab's session only (sessionStorage), never in local storage, a URL or the field.
    expect(
      await page.evaluate(
        (key) => (globalThis as unknown as { sessionStorage: PageStorage }).sessionStorage.getItem(key),
        READ_KEY,
      ),
    ).toBe(READ_TOKEN);
    expect(
      await page.evaluate(() => (globalThis as unknown as { localStorage: PageStorage }).localStorage.length),
    ).toBe(0);
    expect(await page.inputValue('#token-input')).toBe('');
    await page.reload();
    await expect
      .poll(() => master.getAttribute('data-master'), { timeout: 20_000 })
      .toBe(`127.0.0.1:${REDIS_PORT}`);
    expect(await auth.isVisible()).toBe(false);
    expect(urls.length).toBeGreaterThan(3);
    expect(urls.filter((url) => url.includes(READ_TOKEN) || url.includes('not-the-read-token'))).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows the group, then the new master after a SIGKILL of the old one, without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // A tab whose session already holds the read token (as after the prompt above).
    await page.addInitScript(
      ([key, token]) =>
        (globalThis as unknown as { sessionStorage: PageStorage }).sessionStorage.setItem(key, token),
      [READ_KEY, READ_TOKEN] as const,
    );
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    const oldMaster = `127.0.0.1:${REDIS_PORT}`;
    await page.goto(`${stack.coordinatorUrl}/groups/${stack.options.group}`);
    const master = page.locator('#master');
    await expect.poll(() => master.getAttribute('data-master'), { timeout: 20_000 }).toBe(oldMaster);
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 20_000 }).toBe('live');
    expect(await page.locator('#nodes tr').count()).toBe(3);
    // A mark on this document: a reload or a navigation would lose it.
    await page.evaluate(() => {
      (globalThis as Record<string, unknown>).statusPageMark = 'same document';
    });

    const killedAtMs = performance.now();
    await stack.killRedis(0);
    await expect
      .poll(() => master.getAttribute('data-master'), { timeout: SHOWN_WITHIN_MS, interval: 50 })
      .not.toBe(oldMaster);
    const shownMs = performance.now() - killedAtMs;
    const newMaster = await master.getAttribute('data-master');
    expect(stack.nodes.slice(1).map((n) => n.address)).toContain(newMaster);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).statusPageMark)).toBe(
      'same document',
    );
    await expect
      .poll(() => page.locator('#events').textContent(), { timeout: 10_000 })
      .toContain('+switch-master');

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'status-page-failover.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(
      `status page: ${oldMaster} killed, ${newMaster} shown after ${shownMs.toFixed(0)} ms without a reload; screenshot ${screenshot}`,
    );
    expect(problems).toEqual([]);
  }, 90_000);
});
