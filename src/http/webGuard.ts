/**
 * What the web config adds in front of the endpoints, as one request listener wrapped around the
 * application: the configured response headers, the request rate limit, and basic auth. The
 * liveness and readiness probes (/healthz, /readyz) stay open and unthrottled: they reveal
 * nothing, and a kubelet cannot send credentials.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Express } from 'express';
import { BasicAuth, parseBasicAuth } from './basicAuth';
import type { ServerOptions } from './server';
import { checkClient, httpsOptions } from './tlsServer';
import type { WebConfig } from './webConfig';

/** Paths served without credentials. Compared with the raw request path, so no encoding trick reaches another route. */
export const OPEN_PATHS: readonly string[] = ['/healthz', '/readyz'];

/** A token bucket: `burst` tokens, one more every `intervalMs` (golang.org/x/time/rate, as exporter-toolkit uses). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function refuse(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** The request-side settings of one web config: swapped whole when the file is reloaded. */
interface Guard {
  headers: Array<[string, string]>;
  bucket?: TokenBucket;
  auth: BasicAuth;
}

function guardOf(web: WebConfig, auth = new BasicAuth(web.users)): Guard {
  return { headers: Object.entries(web.headers), bucket: web.rateLimit ? new TokenBucket(web.rateLimit.burst, web.rateLimit.intervalMs) : undefined, auth };
}

/** Wraps `listener` with the headers, rate limit and basic auth of the guard in force for each request. */
function guarded(listener: http.RequestListener, current: () => Guard): http.RequestListener {
  return (req, res) => {
    const { headers, bucket, auth } = current();
    for (const [k, v] of headers) res.setHeader(k, v);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // Probes are exempt from the rate limit too: a throttled liveness probe would restart the pod.
    if (OPEN_PATHS.includes(path)) return listener(req, res);
    if (bucket && !bucket.take()) return refuse(res, 429, 'Too Many Requests\n', { 'Retry-After': '1' });
    if (!auth.enabled) return listener(req, res);
    auth
      .verify(parseBasicAuth(req.headers.authorization))
      .then((ok) => {
        if (ok) listener(req, res);
        else refuse(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': 'Basic realm="bkpaas-exporter", charset="UTF-8"' });
      })
      .catch(() => refuse(res, 500, 'internal error\n'));
  };
}

/** `app` as served under a web config, and how to apply the file again. */
export interface ServedApp {
  listener: http.RequestListener;
  options: ServerOptions;
  /**
   * Applies a re-read web config to the running server: headers, rate limit, users, and the TLS
   * certificate, key, CAs, versions and ciphers (a rotated certificate without a restart). Returns
   * why it cannot, keeping the config in force: turning TLS on or off, or changing
   * client_auth_type, needs a restart. Undefined without a web config at start.
   */
  reload?: (next: WebConfig, server: http.Server) => string | undefined;
}

/** The request listener and server options that serve `app` under `web` (or as is, without a web config). */
export function withWebConfig(app: Express | http.RequestListener, web: WebConfig | undefined): ServedApp {
  const listener = app as http.RequestListener;
  if (!web) return { listener, options: {} };
  let guard = guardOf(web);
  let tls = web.tls;
  return {
    listener: guarded(listener, () => guard),
    options: tls ? { tls: { options: httpsOptions(tls), checkClient: (socket) => checkClient(tls!, socket) } } : {},
    reload: (next, server) => {
      if (!next.tls !== !tls) return `turning TLS ${next.tls ? 'on' : 'off'} needs a restart`;
      if (next.tls && tls && next.tls.clientAuth !== tls.clientAuth) return `changing client_auth_type (${tls.clientAuth} → ${next.tls.clientAuth}) needs a restart`;
      if (next.tls) {
        try {
          (server as https.Server).setSecureContext(httpsOptions(next.tls));
        } catch (err) {
          return `the TLS settings cannot be used: ${(err as Error).message}`;
        }
      }
      tls = next.tls;
      guard = guardOf(next);
      return undefined;
    },
  };
}
