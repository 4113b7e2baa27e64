/** Starts the HTTP server with timeouts suited to scrapes, and stops it gracefully. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ListenAddress } from '../config/types';

export interface RunningServer {
  server: http.Server;
  /** The bound address, e.g. for port 0. */
  address: AddressInfo;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Listens on `listen` and resolves once bound; rejects on EADDRINUSE and the like. */
export function startServer(app: Express | http.RequestListener, listen: ListenAddress): Promise<RunningServer> {
  const server = http.createServer(app as http.RequestListener);
  // Slow or half-open clients must not hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
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
