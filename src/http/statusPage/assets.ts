/**
 * The status page's only style sheet and script, inline (installations are often offline: no
 * external asset, no CDN), and the Content-Security-Policy that allows exactly these two by their
 * SHA-256 hashes and nothing else: no other script, style, frame, connection or form target.
 */
import { createHash } from 'node:crypto';

/** The page's style sheet. The replica bars are SVG: their sizes are attributes, so no inline style is needed. */
export const STYLE = `
:root{color-scheme:light;--bad:#c62828;--bad-bg:#fdecea;--warn:#a15c00;--warn-bg:#fff4e0;--ok:#2e7d32;--mute:#6b7280;--line:#e5e7eb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#fff;border-bottom:1px solid var(--line);padding:12px 20px}
header h1{font-size:18px;margin:0 16px 0 0;display:inline-block}
header .meta,header nav{display:inline-block;color:var(--mute);margin-right:16px}
header nav a{margin-right:10px}
.lang{float:right}
main{padding:12px 20px}
a{color:#1d4ed8;text-decoration:none}
a:hover{text-decoration:underline}
.summary{display:flex;flex-wrap:wrap;gap:6px 18px;background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin-bottom:12px}
.summary .n{font-weight:600;font-variant-numeric:tabular-nums}
.summary .bad .n{color:var(--bad)}
.summary .warn .n{color:var(--warn)}
.summary .disc{color:var(--mute)}
form.filter{display:flex;flex-wrap:wrap;align-items:center;gap:8px 14px;margin-bottom:10px}
form.filter input[type=search]{width:11em;padding:3px 6px;border:1px solid #cbd5e1;border-radius:4px}
form.filter select{padding:2px 4px}
form.filter .count{color:var(--mute)}
.paging{margin:8px 0;color:var(--mute)}
.paging a{margin:0 8px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:4px 8px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
thead th{position:sticky;top:0;background:#f3f4f6;font-weight:600;font-size:12px;color:#374151;z-index:1}
thead th small{display:block;font-weight:400;color:var(--mute)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody.section th{background:#eef2ff;font-size:13px;padding-top:10px}
tbody.section.failing th{background:var(--bad-bg);color:var(--bad)}
tbody.section.attention th{background:var(--warn-bg);color:var(--warn)}
tbody.app th{background:#fafafa;font-weight:600;padding-left:8px;border-top:2px solid var(--line)}
tbody.t.failing{background:var(--bad-bg)}
tbody.t.failing td.tgt{border-left:4px solid var(--bad)}
tbody.t.attention td.tgt{border-left:4px solid #f59e0b}
tbody.t.undeployed{color:var(--mute)}
td.tgt{min-width:12em;max-width:22em}
.name{overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;margin-right:4px}
.badge.up{background:#e8f5e9;color:var(--ok)}
.badge.down{background:var(--bad);color:#fff}
.badge.pending{background:#e5e7eb;color:#374151}
.badge.undeployed{background:#f3f4f6;color:var(--mute)}
.badge.refreshing{background:#e0f2fe;color:#075985}
.sub{color:var(--mute);font-size:12px}
td .bad{color:var(--bad);font-weight:600}
td .warn{color:var(--warn);font-weight:600}
tr.err td{color:var(--bad);font-size:13px;overflow-wrap:anywhere}
tr.lastknown td{font-size:12px;color:var(--mute)}
svg.bar{vertical-align:middle;margin-right:6px;background:#e5e7eb}
svg.bar .healthy{fill:#43a047}
svg.bar .failed{fill:var(--bad)}
svg.bar .goal{stroke:#111827;stroke-width:2}
svg.bar.short .healthy{fill:#f59e0b}
[hidden]{display:none!important}
`;

/**
 * The page's script: live filtering of the rendered rows (app, module, environment, only
 * problems), and submitting the form when auto-refresh is switched. Plain JavaScript, reading
 * only the page's own data-* attributes; the page works without it (the form submits).
 */
export const SCRIPT = `
(function () {
  'use strict';
  var form = document.getElementById('filter');
  if (!form) return;
  var app = form.elements.namedItem('app');
  var mod = form.elements.namedItem('module');
  var env = form.elements.namedItem('env');
  var problems = form.elements.namedItem('problems');
  var refresh = form.elements.namedItem('refresh');
  var count = document.getElementById('shown');
  function apply() {
    var a = app.value.trim().toLowerCase(), m = mod.value.trim().toLowerCase(), e = env.value, p = problems.checked;
    var bodies = document.querySelectorAll('#targets > tbody');
    var shown = 0, lastApp = null, lastSection = null, appShown = false, sectionShown = false;
    function close() {
      if (lastApp) lastApp.hidden = !appShown;
    }
    for (var i = 0; i < bodies.length; i++) {
      var b = bodies[i];
      if (b.classList.contains('section')) {
        close();
        if (lastSection) lastSection.hidden = !sectionShown;
        lastSection = b; sectionShown = false; lastApp = null;
      } else if (b.classList.contains('app')) {
        close();
        lastApp = b; appShown = false;
      } else {
        var d = b.dataset;
        var ok = (!a || d.app.toLowerCase().indexOf(a) >= 0) && (!m || d.module.toLowerCase().indexOf(m) >= 0) &&
          (!e || d.env === e) && (!p || d.rank === 'failing' || d.rank === 'attention');
        b.hidden = !ok;
        if (ok) { shown++; appShown = true; sectionShown = true; }
      }
    }
    close();
    if (lastSection) lastSection.hidden = !sectionShown;
    if (count) count.textContent = String(shown);
  }
  [app, mod].forEach(function (el) { el.addEventListener('input', apply); });
  [env, problems].forEach(function (el) { el.addEventListener('change', apply); });
  if (refresh) refresh.addEventListener('change', function () { form.submit(); });
  apply();
})();
`;

/** `'sha256-…'` of a script or style block's exact text, as CSP matches it. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's Content-Security-Policy: its own style and script by hash, data: images, forms to itself only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${cspHash(STYLE)}`,
  `script-src ${cspHash(SCRIPT)}`,
  'img-src data:',
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');
