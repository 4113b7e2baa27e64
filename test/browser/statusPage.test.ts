/**
 * The status page in a real headless Chromium (Debian's, driven by playwright-core), asserting
 * what a person sees: the summary's counts, the failing target first and highlighted, the filter
 * hiding rows as one types and selects, paging, auto-refresh, the language switch, hostile names
 * from the simulator shown as text with no script of theirs running, the /probe links, and the
 * page behind TLS and basic auth.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/lib/chromium';
import { Exporter } from '../../src/exporter';
import { createApp } from '../../src/http/app';
import { startServer, type RunningServer } from '../../src/http/server';
import { parseWebConfig } from '../../src/http/webConfig';
import { withWebConfig } from '../../src/http/webGuard';
import { createLogger } from '../../src/log';
import { HOSTILE_STRINGS } from '../../src/simulator';
import { testCerts } from '../hardening/helpers';
import { configFor, startHarness, type Harness } from '../helpers/harness';
import { simTarget, specOf } from '../helpers/targets';

/** The hostile strings that are markup: each sets window.__bkpaasInjected if a browser runs it. */
const MARKUP = HOSTILE_STRINGS.filter((s) => s.includes('__bkpaasInjected'));

// Page-side callbacks (evaluate, $eval) run in Chromium and see the browser's globals; the project
// compiles without the DOM library, so what they use is declared here, for this file only.
declare const window: { __bkpaasInjected?: unknown; __cspViolations?: string[] };
declare const document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };
declare function getComputedStyle(e: unknown): { backgroundColor: string; borderLeftColor: string; display: string };
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  checkVisibility(): boolean;
  querySelector(selector: string): unknown;
}

describe('the status page in Chromium', () => {
  let browser: Browser;
  let h: Harness;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    h = await startHarness({
      simTargets: [
        simTarget('shop'),
        simTarget('shop', 'rollout', { environment: 'stag' }),
        simTarget('shop', 'cnative', { module_name: 'api' }),
        simTarget('blog', 'crashloop'),
        simTarget('blog', 'healthy', { environment: 'stag' }),
        simTarget('ops', 'unauthorized'),
        simTarget('evil', 'hostile_names'),
      ],
    });
    // Every target fetched once; the page then shows it without fetching again (ttl 1 min).
    await h.scrape();
  }, 90_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await h?.stop();
  });

  /** A new page in a context of its own; every CSP violation and page error is recorded. */
  async function open(options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ locale: 'en-US', ...options });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Runs before the page's own script, outside its CSP: a listener for violations.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    return { page, errors };
  }

  const summary = (page: Page, key: string) => page.textContent(`#summary [data-k="${key}"] .n`);
  /** data-key of every target row a person can see, in page order. */
  const visibleTargets = (page: Page) =>
    page.$$eval('#targets tbody.t', (els) => els.filter((e) => (e as PageElement).checkVisibility()).map((e) => (e as PageElement).dataset.key));

  it('shows the counts, and the failing target first, highlighted, with its reason and error', async () => {
    const { page, errors } = await open();
    await page.goto(`${h.url}/`);
    expect(await summary(page, 'targets')).toBe('7');
    expect(await summary(page, 'up')).toBe('6');
    expect(await summary(page, 'down')).toBe('1');
    expect(await summary(page, 'pending')).toBe('0');
    expect(Number(await summary(page, 'failedInstances'))).toBeGreaterThan(0);
    expect(await page.textContent('#targets tbody.section')).toBe('Failing (1)');
    const first = page.locator('#targets tbody.t').first();
    expect(await first.getAttribute('data-key')).toBe('ops/default/prod');
    expect(await first.locator('tr.err td[colspan]').innerText()).toMatch(/^last error: auth GET http:\/\/127\.0\.0\.1:\d+\/.*: HTTP 401/);
    // Highlighted: a red tint behind the row and a red bar at its left; a healthy target has neither.
    const look = (key: string) =>
      page.$eval(`tbody[data-key="${key}"]`, (e) => [getComputedStyle(e).backgroundColor, getComputedStyle((e as PageElement).querySelector('td.tgt')).borderLeftColor]);
    expect(await look('ops/default/prod')).toEqual(['rgb(253, 236, 234)', 'rgb(198, 40, 40)']);
    expect((await look('shop/default/prod'))[0]).toBe('rgba(0, 0, 0, 0)');
    expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('filters as one types and selects, then across all targets when applied', async () => {
    const { page } = await open();
    await page.goto(`${h.url}/`);
    expect(await visibleTargets(page)).toHaveLength(7);
    await page.fill('input[name="app"]', 'BLO');
    // The crash-looping one needs attention: it comes before the healthy one.
    expect(await visibleTargets(page)).toEqual(['blog/default/prod', 'blog/default/stag']);
    expect(await page.textContent('#shown')).toBe('2');
    // The shop app's heading goes with its rows.
    expect(await page.locator('tbody.app[data-app="shop"]').first().isVisible()).toBe(false);
    await page.selectOption('select[name="env"]', 'stag');
    expect(await visibleTargets(page)).toEqual(['blog/default/stag']);
    await page.fill('input[name="app"]', '');
    await page.selectOption('select[name="env"]', 'prod');
    await page.check('input[name="problems"]');
    expect(await visibleTargets(page)).toEqual(['ops/default/prod', 'blog/default/prod']);
    await Promise.all([page.waitForURL(/problems=1/), page.click('button[type="submit"]')]);
    expect(new URL(page.url()).search).toBe('?app=&module=&env=prod&problems=1');
    // Filtered by the server now: only those two are on the page at all.
    expect(await page.$$eval('#targets tbody.t', (els) => els.map((e) => (e as PageElement).dataset.key))).toEqual(['ops/default/prod', 'blog/default/prod']);
    expect(await page.inputValue('select[name="env"]')).toBe('prod');
    expect(await page.isChecked('input[name="problems"]')).toBe(true);
  });

  it('pages through the targets, problems first', async () => {
    const { page } = await open();
    await page.goto(`${h.url}/?per_page=3`);
    const first = await visibleTargets(page);
    expect(first).toHaveLength(3);
    expect(first[0]).toBe('ops/default/prod');
    expect(await page.textContent('.paging')).toMatch(/^targets 1–3 of 7 · page 1 of 3/);
    await Promise.all([page.waitForURL(/page=2/), page.click('.paging a[rel="next"]')]);
    const second = await visibleTargets(page);
    expect(second).toHaveLength(3);
    expect(second.some((k) => first.includes(k))).toBe(false);
  });

  it('switches auto-refresh on with one click', async () => {
    const { page } = await open();
    await page.goto(`${h.url}/`);
    expect(await page.$('meta[http-equiv="refresh"]')).toBeNull();
    await Promise.all([page.waitForURL(/refresh=30/), page.check('input[name="refresh"]')]);
    expect(await page.getAttribute('meta[http-equiv="refresh"]', 'content')).toBe('30');
    expect(await page.isChecked('input[name="refresh"]')).toBe(true);
  });

  it('speaks 简体中文 to a Chinese browser, and switches language with the link, keeping the filter', async () => {
    const { page } = await open({ locale: 'zh-CN' });
    await page.goto(`${h.url}/?app=blog`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('h1')).toBe('蓝鲸 PaaS 进程 exporter');
    expect(await page.innerText('#summary [data-k="targets"]')).toBe('7 个目标');
    expect(await page.textContent('#lang-switch')).toBe('English');
    await Promise.all([page.waitForURL(/lang=en/), page.click('#lang-switch')]);
    expect(new URL(page.url()).search).toBe('?lang=en&app=blog');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h1')).toBe('BlueKing PaaS process exporter');
    expect(await visibleTargets(page)).toHaveLength(2);
    await Promise.all([page.waitForURL(/lang=zh/), page.click('#lang-switch')]);
    expect(await page.textContent('h1')).toBe('蓝鲸 PaaS 进程 exporter');
  });

  it("shows the simulator's hostile names as text: none of their markup becomes an element or runs", async () => {
    // The payloads do run when they are markup: the check below would see it.
    const probe = await open();
    for (const s of MARKUP) {
      await probe.page.setContent(`<body>${s}</body>`);
      await probe.page.waitForFunction(() => window.__bkpaasInjected !== undefined, undefined, { timeout: 5_000 });
    }

    const { page, errors } = await open();
    await page.goto(`${h.url}/?app=evil`);
    const types = await page.$$eval('tbody[data-key="evil/default/prod"] tr:not(.err) td.name:nth-last-child(11)', (els) => els.map((e) => e.textContent));
    for (const s of MARKUP) expect(types).toContain(s);
    const reasons = await page.$$eval('tbody[data-key="evil/default/prod"] td.name:nth-last-child(3)', (els) => els.map((e) => e.textContent));
    for (const s of MARKUP) expect(reasons).toContain(`${s} ×1`);
    expect(await page.evaluate(() => window.__bkpaasInjected)).toBeUndefined();
    // Only the page's own elements: no img, no svg but the replica bars, one script.
    expect(await page.$$eval('img', (els) => els.length)).toBe(0);
    expect(await page.$$eval('svg:not(.bar)', (els) => els.length)).toBe(0);
    expect(await page.$$eval('script', (els) => els.length)).toBe(1);
    // Escaping alone kept them inert: the CSP never had to block anything.
    expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('links each target to its /probe', async () => {
    const { page } = await open();
    await page.goto(`${h.url}/`);
    const [response] = await Promise.all([page.waitForResponse(/\/probe\?/), page.click('tbody[data-key="shop/default/prod"] a:text("/probe")')]);
    expect(response.status()).toBe(200);
    expect(await page.textContent('body')).toContain('bkpaas_target_up{app_code="shop",module_name="default",environment="prod"} 1');
  });
});

describe('the status page in Chromium, behind TLS and basic auth', () => {
  let browser: Browser;
  let dir: string;
  let server: RunningServer;
  let exporter: Exporter;
  let h: Harness;

  beforeAll(async () => {
    browser = await launchChromium();
    h = await startHarness({ simTargets: [simTarget('alpha')] });
    dir = mkdtempSync(path.join(tmpdir(), 'bkpaas-browser-web-'));
    const certs = testCerts();
    writeFileSync(path.join(dir, 'server.crt'), certs.cert);
    writeFileSync(path.join(dir, 'server.key'), certs.key);
    const web = parseWebConfig(
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  viewer: "${bcrypt.hashSync('let-me-see', 4)}"\n`,
      path.join(dir, 'web.yml'),
    );
    const logger = createLogger('silent');
    exporter = new Exporter(configFor(h.sim, [specOf(simTarget('alpha'))]), { logger });
    const served = withWebConfig(createApp(exporter, { logger }), web);
    server = await startServer(served.listener, { host: '127.0.0.1', port: 0 }, served.options);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close(100);
    exporter?.close();
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for credentials, then shows the page over HTTPS with its script and style at work', async () => {
    const url = `https://localhost:${server.address.port}/`;
    const anonymous = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      // Headless, the browser has no one to ask for credentials: the navigation fails on the 401.
      const page = await anonymous.newPage();
      await expect(page.goto(url)).rejects.toThrow(/net::ERR_INVALID_AUTH_CREDENTIALS/);
      const refused = await anonymous.request.get(url);
      expect(refused.status()).toBe(401);
      expect(refused.headers()['www-authenticate']).toMatch(/^Basic realm="bkpaas-exporter"/);
    } finally {
      await anonymous.close();
    }
    const viewer = await browser.newContext({ ignoreHTTPSErrors: true, httpCredentials: { username: 'viewer', password: 'let-me-see' } });
    try {
      const page = await viewer.newPage();
      const res = await page.goto(url);
      expect(res!.status()).toBe(200);
      expect(await page.textContent('#summary [data-k="up"] .n')).toBe('1');
      await page.fill('input[name="app"]', 'nothing-like-this');
      expect(await page.textContent('#shown')).toBe('0');
      expect(await page.$eval('.summary', (e) => getComputedStyle(e).display)).toBe('flex');
    } finally {
      await viewer.close();
    }
  });
});

