/**
 * The status page's pure parts: language choice, query parsing and links, the model (summary,
 * failing targets first, problems, filter, paging at 5 000 targets) and the rendering (escaping,
 * a page of bounded size whatever the number of targets). The browser tests check what a person
 * sees; these check the rules behind it.
 */
import type { TargetSpec } from '../../src/config/types';
import { CONTENT_SECURITY_POLICY, cspHash, SCRIPT, STYLE } from '../../src/http/statusPage/assets';
import { pickLanguage } from '../../src/http/statusPage/i18n';
import { buildStatusModel, checkProcess, type StatusTarget } from '../../src/http/statusPage/model';
import { DEFAULT_PER_PAGE, parseStatusQuery, statusHref, type StatusQuery } from '../../src/http/statusPage/query';
import { renderStatusPage } from '../../src/http/statusPage/renderPage';
import { emptyRow, type ProcessRow } from '../../src/model/aggregate';
import { processStatus, type ProcessStatus } from '../../src/model/processStatus';
import { HOSTILE_STRINGS } from '../../src/simulator';
import { UpstreamError } from '../../src/upstream/errors';

const NOW = 1_800_000_000_000;

function proc(type: string, extra: Partial<ProcessRow> = {}): ProcessStatus {
  return processStatus({ ...emptyRow(type), replicas: 2, success: 2, target_replicas: 2, target_status: 'start', settled: 1, stale_instances: 0, latest_version: 7, ...extra });
}

function target(app: string, module: string, env: string, health: StatusTarget['health'], processes: ProcessStatus[] = [proc('web')]): StatusTarget {
  const spec: TargetSpec = { app_code: app, module_name: module, environment: env, labels: {}, source: 'test' };
  const down = health === 'down';
  return {
    key: `${app}/${module}/${env}`,
    spec,
    health,
    lastError: down ? new UpstreamError('auth', `GET http://gw/${app}: HTTP 401`) : undefined,
    lastFinishedAt: health === 'pending' ? undefined : NOW - 5_000,
    lastSuccessAt: health === 'up' ? NOW - 5_000 : undefined,
    processes: health === 'up' ? processes : undefined,
    inflight: undefined,
  };
}

const query = (over: Partial<StatusQuery> = {}): StatusQuery => ({ ...parseStatusQuery('/'), ...over });

/** 5 000 targets: every 100th down, every 50th (offset) with a failed process, the rest healthy. */
function fleet(n = 5000): StatusTarget[] {
  return Array.from({ length: n }, (_, i) => {
    const app = `app-${String(Math.floor(i / 4)).padStart(5, '0')}`;
    const module = i % 4 < 2 ? 'default' : 'api';
    const env = i % 2 ? 'stag' : 'prod';
    if (i % 100 === 42) return target(app, module, env, 'down');
    if (i % 50 === 7) return target(app, module, env, 'up', [proc('web', { success: 1, failed: 1, settled: 0 }), proc('worker')]);
    return target(app, module, env, 'up', [proc('web'), proc('worker')]);
  });
}

describe('pickLanguage', () => {
  it.each([
    [undefined, undefined, 'en'],
    [undefined, 'zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    [undefined, 'en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    [undefined, 'fr-FR, zh;q=0.5', 'zh'],
    [undefined, 'en;q=0.5, zh-TW;q=0.9', 'zh'],
    [undefined, 'zh;q=0, en;q=0.1', 'en'],
    [undefined, 'de, fr', 'en'],
    ['en', 'zh-CN', 'en'],
    ['zh', 'en', 'zh'],
    ['xx', 'zh-CN', 'zh'],
  ] as const)('lang=%s, Accept-Language %s → %s', (param, header, lang) => {
    expect(pickLanguage(param, header)).toBe(lang);
  });
});

describe('parseStatusQuery and statusHref', () => {
  it('defaults for a bare / and for malformed values', () => {
    const bare = parseStatusQuery('/');
    expect(bare).toEqual({ lang: undefined, app: '', module: '', env: '', problems: false, page: 1, perPage: DEFAULT_PER_PAGE, refresh: 0 });
    expect(parseStatusQuery('/?page=-3&per_page=abc&refresh=x&lang=fr&problems=maybe')).toEqual(bare);
  });

  it('bounds per_page, refresh and filter lengths, and takes the first of repeated parameters', () => {
    const q = parseStatusQuery(`/?per_page=50000&refresh=2&app=${'a'.repeat(500)}&env=prod&env=stag&page=3`);
    expect(q.perPage).toBe(1000);
    expect(q.refresh).toBe(0);
    expect(q.app).toHaveLength(128);
    expect(q.env).toBe('prod');
    expect(q.page).toBe(3);
    expect(parseStatusQuery('/?refresh=99999').refresh).toBe(3600);
    expect(parseStatusQuery('/?refresh=30').refresh).toBe(30);
  });

  it('links are relative and keep every choice', () => {
    expect(statusHref(query())).toBe('./');
    const q = query({ lang: 'zh', app: 'a b&c', module: 'api', env: 'prod', problems: true, page: 2, perPage: 20, refresh: 30 });
    const href = statusHref(q);
    expect(href).toBe('?lang=zh&app=a%20b%26c&module=api&env=prod&problems=1&per_page=20&page=2&refresh=30');
    expect(parseStatusQuery(`/${href}`)).toEqual(q);
  });
});

describe('checkProcess', () => {
  it.each<[string, Partial<ProcessRow>, ReturnType<typeof checkProcess>]>([
    ['healthy', {}, { short: false, failed: false, stale: false, unsettled: false, problem: false }],
    ['short of its target', { success: 1, settled: 0 }, { short: true, failed: false, stale: false, unsettled: true, problem: true }],
    ['failed instances', { failed: 1 }, { short: false, failed: true, stale: false, unsettled: false, problem: true }],
    ['stale instances', { stale_instances: 2 }, { short: false, failed: false, stale: true, unsettled: false, problem: true }],
    ['stopped on purpose', { target_status: 'stop', success: 0, replicas: 0 }, { short: false, failed: false, stale: false, unsettled: false, problem: false }],
    ['no target: desired replicas count', { target_replicas: undefined, replicas: 3, success: 2 }, { short: true, failed: false, stale: false, unsettled: false, problem: true }],
  ])('%s', (_what, extra, check) => {
    expect(checkProcess(proc('web', extra))).toEqual(check);
  });
});

describe('buildStatusModel', () => {
  it('summary: targets by health, and process counts of the targets that are up', () => {
    const targets = [
      target('a', 'default', 'prod', 'up', [proc('web', { success: 1, failed: 1, settled: 0, stale_instances: 1 }), proc('worker')]),
      target('b', 'default', 'prod', 'down'),
      target('c', 'default', 'prod', 'pending'),
      target('d', 'default', 'stag', 'undeployed'),
    ];
    // A failing target's last known processes are not counted as current.
    targets[1] = { ...targets[1], processes: [proc('web', { failed: 5 })] };
    const m = buildStatusModel(targets, query());
    expect(m.summary).toEqual({ targets: 4, up: 1, down: 1, pending: 1, undeployed: 1, processes: 2, notSettled: 1, short: 1, failedInstances: 1, staleInstances: 1 });
    expect(m.entries.map((e) => [e.target.key, e.rank])).toEqual([
      ['b/default/prod', 'failing'],
      ['a/default/prod', 'attention'],
      ['c/default/prod', 'pending'],
      ['d/default/stag', 'undeployed'],
    ]);
    expect(m.environments).toEqual(['prod', 'stag']);
  });

  it('at 5 000 targets: failing first, then those needing attention, one page of per_page, the rest on later pages', () => {
    const targets = fleet();
    const m = buildStatusModel(targets, query());
    expect(m.matched).toBe(5000);
    expect(m.matchedByRank).toEqual({ failing: 50, attention: 100, pending: 0, healthy: 4850, undeployed: 0 });
    expect(m.pages).toBe(50);
    expect(m.entries).toHaveLength(DEFAULT_PER_PAGE);
    expect(m.entries.slice(0, 50).every((e) => e.rank === 'failing')).toBe(true);
    expect(m.entries.slice(50).every((e) => e.rank === 'attention')).toBe(true);
    // Within a rank, grouped by app (sorted by key).
    const keys = m.entries.slice(0, 50).map((e) => e.target.key);
    expect(keys).toEqual([...keys].sort());
    const second = buildStatusModel(targets, query({ page: 2 }));
    expect(second.offset).toBe(100);
    expect(second.entries.slice(0, 50).every((e) => e.rank === 'attention')).toBe(true);
    expect(second.entries[50].rank).toBe('healthy');
    // Past the last page: the last page.
    expect(buildStatusModel(targets, query({ page: 999 })).page).toBe(50);
  });

  it('filters by app and module (substring, any case), environment (exact) and problems', () => {
    const targets = fleet(400);
    expect(buildStatusModel(targets, query({ app: 'APP-0000' })).matched).toBe(40);
    // Target 7 (app-00001/api/stag) has a failed process: it comes first.
    expect(buildStatusModel(targets, query({ app: 'app-00001' })).entries.map((e) => e.target.key)).toEqual([
      'app-00001/api/stag',
      'app-00001/api/prod',
      'app-00001/default/prod',
      'app-00001/default/stag',
    ]);
    expect(buildStatusModel(targets, query({ module: 'ap' })).matched).toBe(200);
    expect(buildStatusModel(targets, query({ env: 'stag' })).matched).toBe(200);
    expect(buildStatusModel(targets, query({ env: 'sta' })).matched).toBe(0);
    const problems = buildStatusModel(targets, query({ problems: true }));
    expect(problems.matched).toBe(12);
    expect(problems.entries.every((e) => e.rank === 'failing' || e.rank === 'attention')).toBe(true);
    // The summary is about every target, whatever the filter.
    expect(problems.summary.targets).toBe(400);
  });
});

describe('renderStatusPage', () => {
  const render = (targets: StatusTarget[], over: Partial<StatusQuery> = {}, lang: 'en' | 'zh' = 'en') =>
    renderStatusPage(buildStatusModel(targets, query(over)), { version: '1.2.3', lang, query: query(over), now: NOW });

  it('at 5 000 targets renders one page of targets, small', () => {
    const html = render(fleet());
    expect(html.match(/<tbody class="t /g)).toHaveLength(DEFAULT_PER_PAGE);
    expect(Buffer.byteLength(html)).toBeLessThan(250_000);
    expect(html).toContain('targets 1–100 of 5000');
    expect(html).toContain('rel="next" href="?page=2"');
  });

  it('names and labels are text, never markup: hostile process types, reasons and plans, and a hostile environment', () => {
    const hostile = HOSTILE_STRINGS.map((s) => proc(s, { last_terminated_by_reason: [[s, 1]], plan_name: s }));
    const evil = '"><script>window.__bkpaasInjected=1</script>';
    const t = target('app', 'default', evil, 'up', hostile);
    const html = render([t, { ...target('b', 'default', 'prod', 'down'), lastError: new UpstreamError('server_error', '<img src=x onerror=alert(1)>') }]);
    expect(html).not.toMatch(/<script>window|<img src=x|<svg onload/);
    // The only script and style blocks are the page's own.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<style/g)).toHaveLength(1);
    expect(html).toContain('&lt;script&gt;window.__bkpaasInjected=&quot;script&quot;&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain(`data-env="&quot;&gt;&lt;script&gt;window.__bkpaasInjected=1&lt;/script&gt;"`);
    // A 10 KB name is cut on the page, whole in its tooltip.
    expect(html).toContain(`<span title="${'x'.repeat(10 * 1024)}&quot;\\`);
  });

  it('Chinese when asked, with a link back to English that keeps the filter', () => {
    const html = render([target('a', 'default', 'prod', 'up')], { app: 'a', lang: 'zh' }, 'zh');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<span class="n">1</span> 个目标');
    expect(html).toMatch(/id="lang-switch" hreflang="en" href="\?lang=en&amp;app=a">English<\/a>/);
  });

  it('the Content-Security-Policy allows exactly the inline style and script the page carries', () => {
    const html = render([target('a', 'default', 'prod', 'up')]);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    expect(style).toBe(STYLE);
    expect(script).toBe(SCRIPT);
    expect(CONTENT_SECURITY_POLICY).toBe(
      `default-src 'none'; style-src ${cspHash(style)}; script-src ${cspHash(script)}; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self'`,
    );
    // Self-contained: no external reference, no inline style attribute, no inline event handler.
    expect(html).not.toMatch(/\s(src|style|on[a-z]+)=/);
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).not.toMatch(/^(?:[a-z]+:|\/\/)/i);
  });
});
