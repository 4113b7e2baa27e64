/**
 * The status page's table body: one section per rank (failing first), within it one heading per
 * app, and per target a `<tbody>` with a row per process type. The script filters by the
 * targets' data-* attributes, so each target is one element to show or hide.
 */
import type { ProcessStatus } from '../../model/processStatus';
import { formatBytes, formatCores, secondsSince } from './format';
import { attr, escapeHtml, text } from './html';
import type { Strings } from './i18n';
import type { ProcessEntry, Rank, StatusModel, TargetEntry } from './model';

/** Columns after the target's own cell. */
const PROCESS_COLUMNS = 11;
/** Width of a replicas bar in pixels. */
const BAR_WIDTH = 80;

/** The table's header row. */
export function renderTableHead(s: Strings): string {
  const c = s.columns;
  const cells = [
    c.target,
    c.process,
    `${c.replicas}<small>${c.replicasHint}</small>`,
    c.failed,
    c.stale,
    c.settled,
    c.status,
    c.version,
    c.restarts,
    c.lastTermination,
    c.limits,
    c.autoscaling,
  ];
  return `<thead><tr>${cells.map((h) => `<th>${h}</th>`).join('')}</tr></thead>`;
}

/**
 * A bar of BAR_WIDTH pixels scaled to the largest of the counts: green the healthy replicas, red
 * the failed ones, a tick the target replicas (desired without a target). Sizes are SVG
 * attributes, which the page's Content-Security-Policy allows (inline styles it would not).
 */
function replicasBar(p: ProcessStatus, short: boolean): string {
  const goal = p.target_replicas ?? p.replicas;
  const scale = Math.max(goal, p.replicas, p.success + p.failed, 1);
  const px = (n: number) => Math.round((Math.min(n, scale) / scale) * BAR_WIDTH);
  const healthy = px(p.success);
  const failed = Math.min(px(p.failed), BAR_WIDTH - healthy);
  const tick = Math.min(Math.max(px(goal), 1), BAR_WIDTH - 1);
  return (
    // The track is the svg's own background (style sheet): one element less per row.
    `<svg class="bar${short ? ' short' : ''}" width="${BAR_WIDTH}" height="10">` +
    `<rect class="healthy" width="${healthy}" height="10"/>` +
    (failed > 0 ? `<rect class="failed" x="${healthy}" width="${failed}" height="10"/>` : '') +
    `<line class="goal" x1="${tick}" x2="${tick}" y1="0" y2="10"/></svg>`
  );
}

const dash = '—';

function flagged(value: string, cls: 'bad' | 'warn' | undefined): string {
  return cls ? `<span class="${cls}">${value}</span>` : value;
}

function limits(p: ProcessStatus, s: Strings): string {
  const parts: string[] = [];
  if (p.resource_limit?.cpu_cores !== undefined) parts.push(`${s.cpu} ${formatCores(p.resource_limit.cpu_cores)}`);
  if (p.resource_limit?.memory_bytes !== undefined) parts.push(`${s.memory} ${formatBytes(p.resource_limit.memory_bytes)}`);
  return parts.length ? parts.join(' · ') : dash;
}

function autoscaling(p: ProcessStatus, s: Strings): string {
  const range = p.autoscaling_min_replicas !== undefined || p.autoscaling_max_replicas !== undefined ? `${p.autoscaling_min_replicas ?? '?'}–${p.autoscaling_max_replicas ?? '?'}` : '';
  if (p.autoscaling === undefined) return range || dash;
  return [p.autoscaling ? s.on : s.off, range].filter(Boolean).join(' · ');
}

function processCells({ status: p, check }: ProcessEntry, s: Strings): string {
  const target = p.target_replicas;
  const replicas = `<span ${attr('title', s.replicasTitle(p.success, p.replicas, target))}>${replicasBar(p, check.short)}${flagged(`${p.success} / ${p.replicas} / ${target ?? dash}`, check.short ? 'warn' : undefined)}</span>`;
  const reasons = p.last_terminated_by_reason.map(([reason, n]) => `${text(reason)} ×${n}`).join(', ');
  const cells = [
    `<td class="name">${text(p.process_type)}</td>`,
    `<td>${replicas}</td>`,
    `<td class="num">${flagged(String(p.failed), check.failed ? 'bad' : undefined)}</td>`,
    `<td class="num">${p.stale_instances === undefined ? dash : flagged(String(p.stale_instances), check.stale ? 'warn' : undefined)}</td>`,
    `<td>${p.settled === undefined ? dash : flagged(p.settled ? s.yes : s.no, check.unsettled ? 'warn' : undefined)}</td>`,
    `<td>${p.target_status === undefined ? dash : p.target_status === 'start' ? s.start : s.stop}</td>`,
    `<td class="num">${p.latest_version ?? dash}</td>`,
    `<td class="num">${p.restarts}</td>`,
    `<td class="name">${reasons || dash}</td>`,
    `<td>${limits(p, s)}</td>`,
    `<td>${autoscaling(p, s)}</td>`,
  ];
  return cells.join('');
}

function probeHref(entry: TargetEntry): string {
  const { app_code, module_name, environment } = entry.target.spec;
  return `probe?app_code=${encodeURIComponent(app_code)}&module_name=${encodeURIComponent(module_name)}&environment=${encodeURIComponent(environment)}`;
}

function targetCell(entry: TargetEntry, s: Strings, now: number, rowspan: number): string {
  const t = entry.target;
  const fetched = t.lastFinishedAt === undefined ? '' : ` <span class="sub">${s.fetched} ${s.ago(secondsSince(t.lastFinishedAt, now))}</span>`;
  const refreshing = t.inflight ? `<span class="badge refreshing">${s.refreshing}</span>` : '';
  return (
    `<td class="tgt" rowspan="${rowspan}"><div class="name">${text(t.spec.module_name)} / ${text(t.spec.environment)}</div>` +
    `<span class="badge ${t.health}">${s.health[t.health]}</span>${refreshing}${fetched}` +
    `<div class="sub"><a ${attr('href', probeHref(entry))}>${s.probe}</a> · ${text(t.spec.source)}</div></td>`
  );
}

/** One row of a target's tbody: its class and its cells after the target's own. */
interface Row {
  cls?: 'err' | 'lastknown';
  cells: string;
}

/** One target: its tbody, with the error and every process type. */
function renderTarget(entry: TargetEntry, s: Strings, now: number): string {
  const t = entry.target;
  const rows: Row[] = [];
  const wide = (content: string, cls?: string) => `<td${cls ? ` class="${cls}"` : ''} colspan="${PROCESS_COLUMNS}">${content}</td>`;
  if (t.health === 'down' && t.lastError) {
    const success = t.lastSuccessAt === undefined ? s.never : s.ago(secondsSince(t.lastSuccessAt, now));
        // Error messages are ours and bounded (method, URL, status, a short excerpt): shown whole.
    rows.push({ cls: 'err', cells: wide(`${s.lastError}: <b>${escapeHtml(t.lastError.reason)}</b> ${escapeHtml(t.lastError.message)} · ${s.lastSuccess}: ${success}`) });
    if (entry.processes.length > 0 && t.lastSuccessAt !== undefined) {
      rows.push({ cls: 'lastknown', cells: wide(s.lastKnown(s.ago(secondsSince(t.lastSuccessAt, now)))) });
    }
  }
  for (const p of entry.processes) rows.push({ cells: processCells(p, s) });
  if (rows.length === 0) {
    const note = t.health === 'up' ? s.noProcesses : t.health === 'undeployed' && t.lastError ? `${escapeHtml(t.lastError.reason)} ${escapeHtml(t.lastError.message)}` : '';
    rows.push({ cells: wide(note, 'sub') });
  }
  const trs = rows.map((r, i) => `<tr${r.cls ? ` class="${r.cls}"` : ''}>${i === 0 ? targetCell(entry, s, now, rows.length) : ''}${r.cells}</tr>`);
  const { app_code, module_name, environment } = t.spec;
  const data = [attr('data-app', app_code), attr('data-module', module_name), attr('data-env', environment), `data-rank="${entry.rank}"`, attr('data-key', t.key)].join(' ');
  return `<tbody class="t ${entry.rank}" ${data}>${trs.join('')}</tbody>`;
}

function heading(cls: string, content: string, data = ''): string {
  return `<tbody class="${cls}"${data}><tr><th colspan="${PROCESS_COLUMNS + 1}">${content}</th></tr></tbody>`;
}

/** The table's bodies for the model's page: section and app headings, then each target. */
export function renderTargetBodies(model: StatusModel, s: Strings, now: number): string {
  const out: string[] = [];
  let rank: Rank | undefined;
  let app: string | undefined;
  for (const entry of model.entries) {
    if (entry.rank !== rank) {
      rank = entry.rank;
      app = undefined;
      out.push(heading(`section ${rank}`, `${s.sections[rank]} (${model.matchedByRank[rank]})`));
    }
    const entryApp = entry.target.spec.app_code;
    if (entryApp !== app) {
      app = entryApp;
      out.push(heading('app', text(app), ` ${attr('data-app', app)}`));
    }
    out.push(renderTarget(entry, s, now));
  }
  return out.join('\n');
}
