/** The small HTML page at `/`: version, links, and every target with its state and last error. */
import type { DiscoveryStatus } from '../discovery/manager';
import type { TargetState } from '../scheduler/targetState';

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function ago(ms: number | undefined, now: number): string {
  return ms === undefined ? '—' : `${Math.round((now - ms) / 1000)} s ago`;
}

function discoveryLine(d: DiscoveryStatus | undefined, now: number): string {
  if (!d) return '';
  const error = d.lastError ? ` · last error: ${html(d.lastError)}` : '';
  return `<p>Discovery: ${d.apps} apps, ${d.targets} targets, last success ${ago(d.lastSuccessAt, now)}${error}</p>\n`;
}

/** Renders the landing page. */
export function landingPage(opts: { version: string; targets: readonly TargetState[]; shard?: string; discovery?: DiscoveryStatus; now?: number }): string {
  const now = opts.now ?? Date.now();
  const rows = opts.targets
    .map((t) => {
      const probe = `/probe?app_code=${encodeURIComponent(t.spec.app_code)}&module_name=${encodeURIComponent(t.spec.module_name)}&environment=${encodeURIComponent(t.spec.environment)}`;
      return `<tr class="${t.health}"><td><a href="${html(probe)}">${html(t.key)}</a></td><td>${t.health}</td><td>${html(t.spec.source)}</td><td>${ago(t.lastFinishedAt, now)}</td><td>${t.durationSeconds.toFixed(3)} s</td><td>${t.lastError ? `${html(t.lastError.reason)}: ${html(t.lastError.message)}` : ''}</td></tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>BlueKing PaaS process exporter</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}tr.down{background:#fdd}tr.pending{background:#ffd}tr.undeployed{color:#888}</style>
</head><body>
<h1>BlueKing PaaS process exporter</h1>
<p>Version ${html(opts.version)}${opts.shard ? ` · shard ${html(opts.shard)}` : ''} · ${opts.targets.length} targets</p>
${discoveryLine(opts.discovery, now)}<p><a href="/metrics">Metrics</a> · <a href="/exporter-metrics">Exporter metrics</a> · <a href="/sd">Service discovery</a> · <a href="/healthz">Health</a> · <a href="/readyz">Readiness</a></p>
<table><thead><tr><th>Target</th><th>State</th><th>Source</th><th>Last fetch</th><th>Duration</th><th>Last error</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
