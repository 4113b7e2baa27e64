/** Starts the HTTP(S) server with timeouts suited to scrapes, and stops it gracefully. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Express } from 'express';
import type { ListenAddress } from '../config/types';

export interface ServerOptions {
  /** Serve HTTPS with these options; `checkClient` may refuse a connection once its handshake is done. */
  tls?: { options: https.ServerOptions; checkClient?: (socket: TLSSocket) => string | undefined };
  /** Time a client has to send its request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a client may take no part of the response being sent (default 30 s): a client that never reads must not hold a scrape slot. */
  sendTimeoutMs?: number;
  /** Time a client has to send its whole request (default 120 s). */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  server: http.Server;
  /** The bound address, e.g. for port 0. */
  address: AddressInfo;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Listens on `listen` and resolves once bound; rejects on EADDRINUSE and the like. */
export function startServer(app: Express | http.RequestListener, listen: ListenAddress, opts: ServerOptions = {}): Promise<RunningServer> {
  // The header and request timeouts are enforced by a periodic sweep: check every second, not every 30 s.
  const base = { connectionsCheckingInterval: 1_000 };
  const server: http.Server = opts.tls
    ? // A client that connects and never completes the handshake is cut off like one that never sends headers.
      https.createServer({ ...base, handshakeTimeout: opts.headersTimeoutMs ?? 10_000, ...opts.tls.options }, app as http.RequestListener)
    : http.createServer(base, app as http.RequestListener);
  const checkClient = opts.tls?.checkClient;
  if (checkClient) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (checkClient(socket) !== undefined) socket.destroy();
    });
  }
  // A client that stops reading (or vanished without a FIN) while its answer is being sent: once
  // end() is called, the socket must make progress within sendTimeoutMs or it is destroyed.
  // Node puts the keep-alive timeout back when the response has finished.
  const sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const end = res.end;
    res.end = function (this: http.ServerResponse, ...args: unknown[]) {
      if (!res.writableFinished) res.socket?.setTimeout(sendTimeoutMs);
      return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof res.end;
  });
  // Slow or half-open clients must not hold sockets forever.
  server.headersTimeout = opts.headersTimeoutMs ?? 10_000;
  server.requestTimeout = opts.requestTimeoutMs ?? 120_000;
  server.keepAliveTimeout = 65_000;
  server.timeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host || undefined, () => {
      server.off('error', reject);
      resolve({
        server,
        address: server.address() as AddressInfo,
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
