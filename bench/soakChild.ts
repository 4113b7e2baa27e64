/**
 * The exporter under soak, in a process of its own (forked by bench/soak.ts with --expose-gc):
 * the same building blocks main.ts wires (Exporter, createApp, startServer), plus an IPC channel
 * that answers "stats" with this process's heap, RSS and active handles after a full GC. Running
 * it apart keeps the simulator's and the load generator's memory and sockets out of the numbers,
 * without adding a debug flag to the product.
 */
import { Writable } from 'node:stream';
import type { ExporterConfig } from '../src/config/types';
import { Exporter } from '../src/exporter';
import { createApp } from '../src/http/app';
import { startServer } from '../src/http/server';
import { createLogger } from '../src/log';

export interface ChildStats {
  heapUsed: number;
  rss: number;
  handles: number;
  requests: number;
  logLines: number;
}

type Message = { kind: 'start'; config: ExporterConfig } | { kind: 'stats' } | { kind: 'stop' };

const proc = process as unknown as { _getActiveHandles(): unknown[]; _getActiveRequests(): unknown[] };
let logLines = 0;
const logger = createLogger(
  'info',
  new Writable({
    write(chunk, _enc, cb) {
      logLines += String(chunk).split('\n').filter(Boolean).length;
      cb();
    },
  }),
);

let stop: (() => Promise<void>) | undefined;

process.on('message', (msg: Message) => {
  void (async () => {
    if (msg.kind === 'start') {
      const exporter = new Exporter(msg.config, { logger });
      const server = await startServer(createApp(exporter, { logger }), { host: '127.0.0.1', port: 0 });
      stop = async () => {
        await server.close(1_000);
        exporter.close();
      };
      process.send!({ kind: 'started', port: server.address.port });
    } else if (msg.kind === 'stats') {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      const stats: ChildStats = {
        heapUsed: m.heapUsed,
        rss: m.rss,
        handles: proc._getActiveHandles().length,
        requests: proc._getActiveRequests().length,
        logLines,
      };
      process.send!({ kind: 'stats', stats });
    } else if (msg.kind === 'stop') {
      await stop?.();
      process.exit(0);
    }
  })();
});
