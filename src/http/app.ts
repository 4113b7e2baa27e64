/**
 * The exporter's HTTP endpoints (contract: /metrics, /probe, /healthz, /readyz, /-/reload, /),
 * plus /exporter-metrics: the exporter's own metrics without any target's series, for
 * deployments that scrape the targets through /probe only.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Exporter } from '../exporter';
import type { Logger } from '../log';
import { CONTENT_TYPE } from '../metrics/exposition';
import { scrapeDeadline } from './deadline';
import { parseProbeQuery } from './probeParams';
import { serviceDiscovery } from './serviceDiscovery';
import { statusPageHandler } from './statusPage/route';

export interface AppOptions {
  logger: Logger;
  /** Scrapes (/metrics and /probe) answered at once; beyond it a scrape gets 503 (default 64). */
  maxConcurrentScrapes?: number;
  /** Shown on the status page, e.g. "1/4". */
  shardLabel?: string;
  /** `host:port` that /sd hands out as the /probe address (--web.external-url); default the address the request reached. */
  sdAddress?: string;
}

/** `ip:port`, brackets around IPv6 and IPv4-mapped addresses unwrapped. */
function socketAddress(ip: string | undefined, port: number | undefined): string {
  const host = (ip ?? '127.0.0.1').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? 0}`;
}

function plain(res: Response, status: number, text: string): void {
  res.status(status).type('text/plain; charset=utf-8').send(text.endsWith('\n') ? text : `${text}\n`);
}

/** Builds the Express application around an exporter. */
export function createApp(exporter: Exporter, opts: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const maxScrapes = opts.maxConcurrentScrapes ?? 64;
  let scrapes = 0;

  /** Bounds concurrent scrapes so a flood cannot pile up response bodies in memory. */
  const scrapeSlot = (_req: Request, res: Response, next: NextFunction) => {
    if (scrapes >= maxScrapes) {
      res.set('Retry-After', '1');
      return plain(res, 503, `too many concurrent scrapes (limit ${maxScrapes})`);
    }
    scrapes += 1;
    res.on('close', () => {
      scrapes -= 1;
    });
    next();
  };

  app.get('/metrics', scrapeSlot, async (req, res) => {
    const deadline = scrapeDeadline(req.get('X-Prometheus-Scrape-Timeout-Seconds'));
    const body = await exporter.metrics(deadline);
    // The targets' part is written from buffers shared by all scrapes, never copied per scrape.
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    const parts = gzip ? await body.gzip() : body.plain();
    res.status(200).type(CONTENT_TYPE).vary('Accept-Encoding');
    if (gzip) res.set('Content-Encoding', 'gzip');
    res.set('Content-Length', String(parts.reduce((n, p) => n + p.length, 0)));
    // Corked, the parts (one per family and target group) leave in a few writev calls, not one each.
    res.cork();
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
    res.end(parts[parts.length - 1]);
    process.nextTick(() => res.uncork());
  });

  app.get('/probe', scrapeSlot, async (req, res) => {
    const parsed = parseProbeQuery(req.originalUrl);
    if ('error' in parsed) {
      exporter.self.probeRejectedFor(parsed.reason);
      return plain(res, 400, parsed.error);
    }
    const { app_code, module_name, environment } = parsed.target;
    const key = `${app_code}/${module_name}/${environment}`;
    const deadline = scrapeDeadline(req.get('X-Prometheus-Scrape-Timeout-Seconds'));
    const body = await exporter.probe(key, deadline);
    if (body === undefined) {
      exporter.self.probeRejectedFor('unknown_target');
      return plain(res, 400, `unknown target ${key}: not configured in this exporter${opts.shardLabel ? ` (shard ${opts.shardLabel})` : ''}`);
    }
    res.status(200).type(CONTENT_TYPE).send(body);
  });

  // The exporter's own health (bkpaas_exporter_*, bkpaas_discovery_*, process_*, nodejs_*) without
  // refreshing or serving any target: what a /probe-only deployment scrapes for its exporter alerts.
  app.get('/exporter-metrics', scrapeSlot, async (_req, res) => {
    res.status(200).type(CONTENT_TYPE).send(await exporter.ownMetrics());
  });

  app.get('/sd', (req, res) => {
    // Never the request's Host header (anyone could make /sd hand out their address): the
    // configured external address, else the local address the connection actually reached (the
    // pod's IP in Kubernetes, so each shard of a StatefulSet hands out itself).
    res.status(200).json(serviceDiscovery(exporter.targets(), opts.sdAddress ?? socketAddress(req.socket.localAddress, req.socket.localPort)));
  });

  app.get('/healthz', (_req, res) => plain(res, 200, 'ok'));

  app.get('/readyz', (_req, res) => {
    if (exporter.ready) plain(res, 200, 'ready');
    else plain(res, 503, 'shutting down');
  });

  app.post('/-/reload', async (_req, res) => {
    const result = await exporter.reload();
    if (result.nothingToReload) plain(res, 200, `${result.nothingToReload} (${result.targets} targets)`);
    else if (result.ok) plain(res, 200, `config reloaded: ${result.targets} targets`);
    else plain(res, 500, `config reload failed, previous configuration kept:\n${result.error}`);
  });
  app.all('/-/reload', (_req, res) => {
    res.set('Allow', 'POST');
    plain(res, 405, 'use POST to reload the configuration');
  });

  // The status page refreshes due targets as a scrape does, so it takes a scrape slot too.
  app.get('/', scrapeSlot, statusPageHandler(exporter, { shard: opts.shardLabel }));

  app.use((_req, res) => plain(res, 404, 'not found'));

  // Only a bug of ours reaches here: answer 500 without details, log it.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    opts.logger.error({ err: err instanceof Error ? err.message : String(err), path: req.path }, 'request failed');
    if (!res.headersSent) plain(res, 500, 'internal error');
    else res.destroy();
  });

  return app;
}
