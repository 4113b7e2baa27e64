/**
 * The benchmark's HTTP side: scrapes as Prometheus makes them (keep-alive, the scrape-timeout
 * header, optionally gzip), timed to the last byte, and a /healthz prober on its own thread so
 * its latencies are the exporter's, not this busy process's.
 */
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';

export interface ScrapeOptions {
  agent: http.Agent;
  /** Sent as X-Prometheus-Scrape-Timeout-Seconds. */
  timeoutSeconds: number;
  gzip?: boolean;
  /** Keep the whole body (else only `headBytes` of it are kept and the rest is counted). */
  keepBody?: boolean;
  headBytes?: number;
}

export interface ScrapeResult {
  /** From sending the request to the last byte received. */
  ms: number;
  status: number;
  /** Bytes on the wire (compressed when gzip). */
  bytes: number;
  contentEncoding?: string;
  /** The first `headBytes` bytes of the (decompressed) body as text: the exporter's own metrics come first. */
  head: string;
  body?: Buffer;
}

/** GETs `url` (a /metrics URL) once. */
export function scrape(url: string, opts: ScrapeOptions): Promise<ScrapeResult> {
  const headBytes = opts.headBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(
      url,
      {
        agent: opts.agent,
        headers: {
          'Accept-Encoding': opts.gzip ? 'gzip' : 'identity',
          'X-Prometheus-Scrape-Timeout-Seconds': String(opts.timeoutSeconds),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let head = Buffer.alloc(0);
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (opts.keepBody) chunks.push(c);
          else if (head.length < headBytes) head = Buffer.concat([head, c.subarray(0, headBytes - head.length)]);
        });
        res.on('end', () => {
          const ms = performance.now() - started;
          const body = opts.keepBody ? Buffer.concat(chunks) : undefined;
          const encoding = res.headers['content-encoding'];
          resolve({
            ms,
            status: res.statusCode ?? 0,
            bytes,
            contentEncoding: encoding,
            head: headText(body ?? head, encoding, headBytes),
            body,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout((opts.timeoutSeconds + 30) * 1000, () => req.destroy(new Error(`scrape of ${url} timed out`)));
    req.on('error', reject);
  });
}

/**
 * The first `headBytes` of a body as text. A gzip body's start is decompressed alone (a sync
 * flush returns what the bytes so far hold), so reading the own metrics at its head costs the
 * benchmark nothing like decompressing a whole scrape.
 */
function headText(start: Buffer, encoding: string | undefined, headBytes: number): string {
  if (encoding !== 'gzip') return start.subarray(0, headBytes).toString('utf8');
  return gunzipSync(start.subarray(0, headBytes), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, headBytes).toString('utf8');
}

/** A keep-alive agent as Prometheus uses (one connection per scraper). */
export function scrapeAgent(sockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets });
}

const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let latencies = [];
let running = true;
parentPort.on('message', (m) => {
  if (m === 'stop') running = false;
  else { parentPort.postMessage({ latencies }); latencies = []; }
});
function probe() {
  const t = performance.now();
  const req = http.get(workerData.url, { agent }, (res) => {
    res.resume();
    res.on('end', () => {
      latencies.push(performance.now() - t);
      if (running) setTimeout(probe, workerData.intervalMs);
      else { agent.destroy(); parentPort.postMessage({ latencies, stopped: true }); }
    });
  });
  req.on('error', (err) => { agent.destroy(); parentPort.postMessage({ error: String(err) }); });
}
probe();
`;

export interface Prober {
  /** The latencies (ms) measured since the previous take (or the start); starts a new period. */
  take(): Promise<number[]>;
  /** Stops probing; resolves with the latencies since the last take. */
  stop(): Promise<number[]>;
}

/**
 * Probes `url` (e.g. /healthz) every `intervalMs` from a worker thread — its own event loop, so
 * the latencies are the server's, not those of this process's busy one — until stopped.
 */
export function startProber(url: string, intervalMs = 5): Prober {
  const worker = new Worker(PROBER, { eval: true, workerData: { url, intervalMs } });
  const waiting: Array<{ resolve: (l: number[]) => void; reject: (e: Error) => void }> = [];
  let failed: Error | undefined;
  worker.on('message', (m: { latencies?: number[]; stopped?: boolean; error?: string }) => {
    if (m.error !== undefined) {
      failed = new Error(`/healthz prober failed: ${m.error}`);
      for (const w of waiting.splice(0)) w.reject(failed);
      void worker.terminate();
      return;
    }
    waiting.shift()?.resolve(m.latencies ?? []);
    if (m.stopped) void worker.terminate();
  });
  worker.on('error', (err) => {
    failed = err;
    for (const w of waiting.splice(0)) w.reject(err);
  });
  const ask = (message: string) =>
    new Promise<number[]>((resolve, reject) => {
      if (failed) return reject(failed);
      waiting.push({ resolve, reject });
      worker.postMessage(message);
    });
  return { take: () => ask('take'), stop: () => ask('stop') };
}

/**
 * Asks the simulator for every target's process list once (`parallel` at a time), so its
 * models and bodies exist before the exporter's cold scrape: the floor assumes an upstream that
 * answers in its latency, not one building its answers on first use. With `readJson`, each body
 * is read and parsed too (what bareClient.ts times as the practical floor of a cold scrape).
 */
export async function warmUpstream(baseUrl: string, authorization: string, paths: readonly string[], parallel = 64, readJson = false): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const p = paths[next++];
      await new Promise<void>((resolve, reject) => {
        http
          .get(baseUrl + p, { agent, headers: { 'X-Bkapi-Authorization': authorization } }, (res) => {
            const chunks: Buffer[] = [];
            if (readJson) res.on('data', (c: Buffer) => chunks.push(c));
            else res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) return reject(new Error(`GET ${p}: HTTP ${res.statusCode}`));
              if (readJson) JSON.parse(Buffer.concat(chunks).toString('utf8'));
              resolve();
            });
          })
          .on('error', reject);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    agent.destroy();
  }
}

/** GETs a JSON document. */
export function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${res.statusCode}`);
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
          } catch (err) {
            reject(err);
          }
        });
      })
      .on('error', reject);
  });
}

/** POSTs to `url` without a body (a simulator control); rejects unless it answers 2xx. */
export function post(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .request(url, { method: 'POST' }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode !== undefined && res.statusCode < 300 ? resolve() : reject(new Error(`POST ${url}: HTTP ${res.statusCode}`))));
      })
      .on('error', reject)
      .end();
  });
}
