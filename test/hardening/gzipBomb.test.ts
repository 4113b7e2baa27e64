/**
 * A gzip body over upstream.max_response_bytes (a "gzip bomb": a few MB on the wire, gigabytes
 * decoded) is refused as invalid_response while it is read: the decoded size is counted, the
 * reading stops at the cap and the connection is closed, so the process never holds the
 * expansion, not even with several bombs in flight at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

import type { UpstreamConfig } from '../../src/config/types';
import { UpstreamClient } from '../../src/upstream/client';
import { UpstreamError } from '../../src/upstream/errors';
import { sleep } from '../helpers/sleep';

const MiB = 1024 * 1024;
/** One gzip member of 64 MiB of zeros (about 64 KiB compressed); members may follow each other. */
const MEMBER = zlib.gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
/** 4096 members: 256 MiB on the wire, 256 GiB once decoded. */
const MEMBERS = 4096;

interface BombServer {
  url: string;
  /** Compressed bytes written so far, over all requests. */
  written(): number;
  /** Responses whose connection the client closed before the whole bomb was sent. */
  cutOff(): number;
  close(): Promise<void>;
}

/** A loopback upstream answering every request with the bomb, written with back-pressure. */
function startBombServer(): Promise<BombServer> {
  let written = 0;
  let cutOff = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    let sent = 0;
    const pump = () => {
      while (sent < MEMBERS && !res.destroyed) {
        sent += 1;
        written += MEMBER.length;
        if (!res.write(MEMBER)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => {
      res.removeAllListeners('drain');
      if (sent < MEMBERS) cutOff += 1;
    });
    pump();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        written: () => written,
        cutOff: () => cutOff,
        close: () => {
          server.closeAllConnections();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

function clientFor(baseUrl: string): UpstreamClient {
  const config: UpstreamConfig = {
    base_url: baseUrl,
    auth: { bk_app_code: 'app', bk_app_secret: 'secret-value', bk_username: 'admin' },
    tenant_id: '',
    timeout_ms: 20_000,
    concurrency: 8,
    max_response_bytes: MiB,
    max_retry_after_ms: 300_000,
  };
  return new UpstreamClient(config);
}

describe('a gzip bomb over max_response_bytes', () => {
  let bomb: BombServer;
  let client: UpstreamClient;
  beforeAll(async () => {
    bomb = await startBombServer();
    client = clientFor(bomb.url);
  });
  afterAll(async () => {
    client.close();
    await bomb.close();
  });

  it('8 at once: each refused as invalid_response at the cap, the connections closed, memory flat', async () => {
    const total = MEMBERS * MEMBER.length;
    const before = process.memoryUsage();
    let peakExternal = before.external + before.arrayBuffers;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 2);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.getJson(`/bomb/${i}`).then(() => undefined, (err: unknown) => err)),
    );
    // Give a download that was not stopped the time to show itself.
    await sleep(1_000);
    clearInterval(sampler);

    for (const err of results) {
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).reason).toBe('invalid_response');
      expect((err as UpstreamError).message).toContain(`response body larger than ${MiB} bytes`);
    }
    expect(bomb.cutOff()).toBe(8);
    // The rest of each bomb was never downloaded: a small share of the 8 × 256 MiB on the wire.
    expect(bomb.written()).toBeLessThan((8 * total) / 10);
    // Each body held at most its cap (8 MiB in all), never 16 GiB each.
    expect(peakExternal - (before.external + before.arrayBuffers)).toBeLessThan(256 * MiB);
    expect(peakHeap - before.heapUsed).toBeLessThan(256 * MiB);
  });
});
