/**
 * GET / : the status page. A view refreshes the targets that are due exactly as a scrape does
 * (the exporter's one refresh path: ttl, single-flight), waiting at most STATUS_PAGE_DEADLINE_MS
 * so the page answers promptly; what has not completed by then shows its previous result.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import type { Exporter } from '../../exporter';
import { VERSION } from '../../version';
import { CONTENT_SECURITY_POLICY } from './assets';
import { pickLanguage, STRINGS } from './i18n';
import { buildStatusModel } from './model';
import { parseStatusQuery } from './query';
import { renderStatusPage } from './renderPage';

/** How long a page view waits for the refresh it started. */
export const STATUS_PAGE_DEADLINE_MS = 1000;

const ms = (from: number, to: number) => (to - from).toFixed(1);
/** On libuv's thread pool, off the event loop. */
const gzipAsync = promisify(gzip);

/** The handler of GET / for `exporter`; `shard` is shown in the header (e.g. "1/4"). */
export function statusPageHandler(exporter: Exporter, opts: { shard?: string } = {}): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const started = performance.now();
    const query = parseStatusQuery(req.originalUrl);
    const lang = pickLanguage(query.lang, req.get('Accept-Language'));
    await exporter.refresh(Date.now() + STATUS_PAGE_DEADLINE_MS);
    const refreshed = performance.now();
    const model = buildStatusModel(exporter.targets(), query, exporter.discoveryManager?.status);
    const modelled = performance.now();
    const html = renderStatusPage(model, { version: VERSION, shard: opts.shard, lang, query, now: Date.now() });
    const rendered = performance.now();
    // Browsers ask for gzip: a page of 100 targets is ~200 KB of repetitive markup, ~8 KB gzipped.
    const compress = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    const body = compress ? await gzipAsync(html) : html;
    if (compress) res.set('Content-Encoding', 'gzip');
    res
      .status(200)
      .type('text/html; charset=utf-8')
      .vary('Accept-Language')
      .vary('Accept-Encoding')
      .set({
        'Content-Language': STRINGS[lang].htmlLang,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        // Where it takes its time (browser developer tools show it; the benchmark reads it).
        'Server-Timing': `refresh;dur=${ms(started, refreshed)}, model;dur=${ms(refreshed, modelled)}, render;dur=${ms(modelled, rendered)}`,
      })
      // Appended: a Content-Security-Policy from the web config still applies too (browsers enforce both).
      .append('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .send(body);
  };
}
