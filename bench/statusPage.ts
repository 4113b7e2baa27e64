/**
 * The status page at scale, measured on the benchmark's warm exporter (every target fetched,
 * nothing due): the size of GET / (plain, and gzipped as browsers ask for it) and its time, to the last byte and on the server (the page's
 * Server-Timing: model + render), for the default view, the "only problems" view, the last page
 * and the largest page one may ask for; and the upstream requests the views caused (none while
 * nothing is due: a view refreshes only what a scrape would).
 */
import http from 'node:http';
import { getJson } from './scale/client';
import { fmtBytes, fmtMs, groupDigits, median } from './scale/stats';

/** Views of each page measured; the first of each is a warm-up, not counted. */
const VIEWS = 11;

export interface StatusPageView {
  /** What was asked, e.g. `/?problems=1`. */
  path: string;
  bytes: number;
  /** The same page with Accept-Encoding: gzip. */
  gzipBytes: number;
  /** Targets rendered on the page. */
  targetsShown: number;
  /** Request sent to last byte received, median and max of the counted views. */
  ms: { median: number; max: number };
  /** The server's model + render time (Server-Timing), median. */
  serverMs: number;
}

export interface StatusPageFigures {
  views: StatusPageView[];
  /** processes/list requests the simulator saw during all the views. */
  upstreamRequests: number;
}

function get(url: string, agent: http.Agent, gzip = false): Promise<{ ms: number; status: number; body: string; bytes: number; serverMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(url, { agent, headers: { 'Accept-Encoding': gzip ? 'gzip' : 'identity' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const timing = String(res.headers['server-timing'] ?? '');
          const dur = (name: string) => Number(new RegExp(`${name};dur=([\\d.]+)`).exec(timing)?.[1] ?? NaN);
          const body = Buffer.concat(chunks);
          resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: body.toString('utf8'), bytes: body.length, serverMs: dur('model') + dur('render') });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function measure(base: string, path: string, agent: http.Agent): Promise<StatusPageView> {
  const times: number[] = [];
  const server: number[] = [];
  let last = { body: '', status: 0 };
  for (let i = 0; i < VIEWS; i++) {
    const r = await get(base + path, agent);
    if (r.status !== 200) throw new Error(`status page ${path}: HTTP ${r.status}`);
    last = r;
    if (i === 0) continue;
    times.push(r.ms);
    server.push(r.serverMs);
  }
  const gzipped = await get(base + path, agent, true);
  return {
    path,
    bytes: Buffer.byteLength(last.body),
    gzipBytes: gzipped.bytes,
    targetsShown: last.body.match(/<tbody class="t /g)?.length ?? 0,
    ms: { median: median(times), max: Math.max(...times) },
    serverMs: median(server),
  };
}

/** Measures the status page of the exporter at `exporterUrl`, counting upstream requests at `statsUrl` (the simulator's). */
export async function measureStatusPage(exporterUrl: string, statsUrl: string): Promise<StatusPageFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const stats = () => getJson<{ processes_requests: number }>(statsUrl);
  try {
    const before = (await stats()).processes_requests;
    const views = [await measure(exporterUrl, '/', agent), await measure(exporterUrl, '/?problems=1', agent)];
    const first = await get(`${exporterUrl}/`, agent);
    const lastPage = /page (\d+) of (\d+)/.exec(first.body)?.[2] ?? '1';
    views.push(await measure(exporterUrl, `/?page=${lastPage}`, agent));
    views.push(await measure(exporterUrl, '/?per_page=1000', agent));
    return { views, upstreamRequests: (await stats()).processes_requests - before };
  } finally {
    agent.destroy();
  }
}

/**
 * The report's rows for the status page: one per view measured, as
 * `[figure, compared with, cell per run]`; runs without figures show a dash.
 */
export function statusPageRows(runs: ReadonlyArray<{ statusPage?: StatusPageFigures }>): string[][] {
  const paths = runs.find((r) => r.statusPage)?.statusPage?.views.map((v) => v.path) ?? [];
  const rows = paths.map((path, i) => [
    `status page ${path.replace(/([?&])page=\d+$/, '$1page=last')}: bytes (gzip), targets shown, response median / max (server: model + render)`,
    '—',
    ...runs.map((r) => {
      const v = r.statusPage?.views[i];
      return v ? `${fmtBytes(v.bytes)} (${fmtBytes(v.gzipBytes)}), ${groupDigits(v.targetsShown)} shown, ${fmtMs(v.ms.median)} / ${fmtMs(v.ms.max)} (${fmtMs(v.serverMs)})` : '—';
    }),
  ]);
  if (rows.length > 0) {
    rows.push(['upstream requests during the status page views (nothing due)', '0', ...runs.map((r) => (r.statusPage ? String(r.statusPage.upstreamRequests) : '—'))]);
  }
  return rows;
}
