/**
 * The status page as one self-contained HTML document: header and links, the summary line, the
 * filter form, paging, the targets' table, and the inline style sheet and script that the
 * Content-Security-Policy allows by hash.
 */
import type { DiscoveryStatus } from '../../discovery/manager';
import { SCRIPT, STYLE } from './assets';
import { secondsSince } from './format';
import { attr, escapeHtml, text } from './html';
import { STRINGS, type Lang, type Strings } from './i18n';
import type { StatusModel, Summary } from './model';
import { DEFAULT_PER_PAGE, DEFAULT_REFRESH_SECONDS, statusHref, type StatusQuery } from './query';
import { renderTableHead, renderTargetBodies } from './renderTargets';

/** What the page shows besides the model. */
export interface PageContext {
  version: string;
  /** e.g. "1/4" when sharded. */
  shard?: string;
  lang: Lang;
  query: StatusQuery;
  /** Epoch ms the ages are counted to. */
  now: number;
}

/** One count of the summary, marked `bad` or `warn` when it is not zero; `data-k` names it for tests and scripts. */
function count(key: keyof Summary | 'processes', n: number, label: string, tone?: 'bad' | 'warn'): string {
  const cls = tone && n > 0 ? `item ${tone}` : 'item';
  return `<span class="${cls}" data-k="${key}"><span class="n">${n}</span> ${label}</span>`;
}

function discoveryLine(d: DiscoveryStatus | undefined, s: Strings, now: number): string {
  const label = `${s.summary.discovery}: `;
  if (!d) return `<span class="item disc" data-k="discovery">${label}${s.summary.discoveryOff}</span>`;
  const run = d.lastSuccessAt === undefined ? s.summary.discoveryNever : `${s.summary.discoveryLastRun} ${s.ago(secondsSince(d.lastSuccessAt, now))} (${s.summary.discoveryTargets(d.apps, d.targets)})`;
  const error = d.lastError ? ` · ${s.summary.discoveryError}: ${escapeHtml(d.lastError)}` : '';
  return `<span class="item disc" data-k="discovery">${label}${run}${error}</span>`;
}

function summaryLine(m: StatusModel, s: Strings, now: number): string {
  const u = m.summary;
  const t = s.summary;
  return [
    '<div class="summary" id="summary">',
    count('targets', u.targets, t.targets(u.targets)),
    count('up', u.up, t.up),
    count('down', u.down, t.down, 'bad'),
    count('pending', u.pending, t.pending, 'warn'),
    u.undeployed > 0 ? count('undeployed', u.undeployed, t.undeployed) : '',
    count('processes', u.processes, t.processes(u.processes)),
    count('notSettled', u.notSettled, t.notSettled, 'warn'),
    count('short', u.short, t.short, 'warn'),
    count('failedInstances', u.failedInstances, t.failed, 'bad'),
    count('staleInstances', u.staleInstances, t.stale, 'warn'),
    discoveryLine(m.discovery, s, now),
    '</div>',
  ].join('');
}

function filterForm(m: StatusModel, s: Strings, q: StatusQuery): string {
  const f = s.filter;
  const options = [`<option value=""${q.env ? '' : ' selected'}>${f.anyEnvironment}</option>`, ...m.environments.map((e) => `<option ${attr('value', e)}${e === q.env ? ' selected' : ''}>${text(e)}</option>`)];
  const hidden = [q.lang ? `<input type="hidden" name="lang" value="${q.lang}">` : '', q.perPage !== DEFAULT_PER_PAGE ? `<input type="hidden" name="per_page" value="${q.perPage}">` : ''];
  const refreshSeconds = q.refresh || DEFAULT_REFRESH_SECONDS;
  return [
    '<form class="filter" id="filter" method="get">',
    `<label>${f.app} <input type="search" name="app" ${attr('value', q.app)} autocomplete="off"></label>`,
    `<label>${f.module} <input type="search" name="module" ${attr('value', q.module)} autocomplete="off"></label>`,
    `<label>${f.environment} <select name="env">${options.join('')}</select></label>`,
    `<label><input type="checkbox" name="problems" value="1"${q.problems ? ' checked' : ''}> ${f.onlyProblems}</label>`,
    `<label><input type="checkbox" name="refresh" value="${refreshSeconds}"${q.refresh ? ' checked' : ''}> ${f.autoRefresh(refreshSeconds)}</label>`,
    ...hidden,
    `<button type="submit">${f.apply}</button>`,
    `<a ${attr('href', statusHref({ ...q, app: '', module: '', env: '', problems: false, page: 1 }))}>${f.clear}</a>`,
    `<span class="count"><span id="shown">${m.entries.length}</span> ${f.shownOnPage}</span>`,
    '</form>',
  ].join('');
}

function paging(m: StatusModel, s: Strings, q: StatusQuery): string {
  const p = s.paging;
  if (m.matched === 0) return `<div class="paging">${p.none}</div>`;
  const range = p.showing(m.offset + 1, m.offset + m.entries.length, m.matched);
  if (m.pages === 1) return `<div class="paging">${range}</div>`;
  const prev = m.page > 1 ? `<a rel="prev" ${attr('href', statusHref(q, { page: m.page - 1 }))}>${p.previous}</a>` : '';
  const next = m.page < m.pages ? `<a rel="next" ${attr('href', statusHref(q, { page: m.page + 1 }))}>${p.next}</a>` : '';
  return `<div class="paging">${range} · ${p.page(m.page, m.pages)}${prev}${next}</div>`;
}

/** Renders the whole page. */
export function renderStatusPage(model: StatusModel, ctx: PageContext): string {
  const s = STRINGS[ctx.lang];
  const q = ctx.query;
  const other: Lang = ctx.lang === 'en' ? 'zh' : 'en';
  const refresh = q.refresh ? `<meta http-equiv="refresh" content="${q.refresh}">` : '';
  const shard = ctx.shard ? ` · ${s.shard} ${escapeHtml(ctx.shard)}` : '';
  const l = s.links;
  return `<!DOCTYPE html>
<html lang="${s.htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${s.title}</title>
<style>${STYLE}</style>
</head><body>
<header><h1>${s.title}</h1><span class="meta">${s.version} ${escapeHtml(ctx.version)}${shard}</span>
<nav><a href="metrics">${l.metrics}</a><a href="exporter-metrics">${l.exporterMetrics}</a><a href="sd">${l.sd}</a><a href="healthz">${l.healthz}</a><a href="readyz">${l.readyz}</a></nav>
<a class="lang" id="lang-switch" hreflang="${STRINGS[other].htmlLang}" ${attr('href', statusHref(q, { lang: other, page: model.page }))}>${STRINGS[other].switchTo}</a></header>
<main>
${summaryLine(model, s, ctx.now)}
${filterForm(model, s, q)}
${paging(model, s, q)}
<table id="targets">${renderTableHead(s)}
${renderTargetBodies(model, s, ctx.now)}
</table>
${model.pages > 1 ? paging(model, s, q) : ''}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
