/**
 * The `huge` scenario: a ~64 MiB `processes/list/` body of valid JSON, streamed with
 * back-pressure from one pre-built chunk that is written over and over, so serving it costs
 * neither memory nor much CPU.
 */
import type { ServerResponse } from 'node:http';
import { commandFor, deploymentName, imageFor, isoSeconds, SIM_EPOCH_MS } from './model';
import { k8sSuffix } from './prng';

/** Total body size aimed at (the body ends within one chunk above it). */
export const HUGE_BODY_BYTES = 64 * 1024 * 1024;

const ITEMS_PER_CHUNK = 1024;

interface HugeParts {
  head: Buffer;
  chunk: Buffer;
  tail: Buffer;
  chunks: number;
}

let cached: HugeParts | undefined;

function parts(): HugeParts {
  if (cached) return cached;
  const app = 'huge-app';
  const deploy = deploymentName(app, 'default', 'web');
  const version = 175;
  const rs = k8sSuffix('huge-rs', 10);
  const item = (i: number): string =>
    JSON.stringify({
      module_name: 'default',
      name: `${deploy}-${rs}-${k8sSuffix(`huge-${i}`, 5)}`,
      process_type: 'web',
      display_name: k8sSuffix(`huge-${i}`, 5),
      image: imageFor(app, 'default', version),
      start_time: isoSeconds(SIM_EPOCH_MS - i * 1000),
      state: 'Running',
      state_message: null,
      rich_status: 'Running',
      ready: true,
      restart_count: 0,
      version: String(version),
    });
  const processes = JSON.stringify({
    items: [
      {
        module_name: 'default',
        name: deploy,
        type: 'web',
        command: commandFor('web'),
        replicas: 3,
        success: 3,
        failed: 0,
        version,
        cluster_link: `http://${deploy}.bkapp-${app}-prod`,
      },
    ],
    extra_infos: [{ type: 'web', command: commandFor('web'), cluster_link: `http://${deploy}.bkapp-${app}-prod` }],
    metadata: { resource_version: '190000001' },
  });
  // The first item is part of the head, so every chunk can start with a comma.
  const head = Buffer.from(`{"processes":${processes},"instances":{"items":[${item(0)}`);
  let chunk = '';
  for (let i = 1; i <= ITEMS_PER_CHUNK; i++) chunk += `,${item(i)}`;
  const tail = Buffer.from(
    '],"metadata":{"resource_version":"190000002"}},"process_packages":' +
      JSON.stringify([{ name: 'web', target_replicas: 3, target_status: 'start', max_replicas: 5, resource_limit: { cpu: '4000m', memory: '2048Mi' } }]) +
      '}',
  );
  const chunkBuf = Buffer.from(chunk);
  const chunks = Math.ceil((HUGE_BODY_BYTES - head.length - tail.length) / chunkBuf.length);
  cached = { head, chunk: chunkBuf, tail, chunks };
  return cached;
}

/** Exact byte length of the huge body. */
export function hugeBodyLength(): number {
  const p = parts();
  return p.head.length + p.chunk.length * p.chunks + p.tail.length;
}

/**
 * Streams the huge body as a chunked 200 response, pausing on back-pressure; stops when the
 * client goes away.
 */
export function streamHuge(res: ServerResponse, headers: Record<string, string>): void {
  const p = parts();
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
  let sent = 0;
  const pump = (): void => {
    while (sent < p.chunks) {
      if (res.destroyed) return;
      sent++;
      if (!res.write(p.chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(p.tail);
  };
  if (res.write(p.head)) pump();
  else res.once('drain', pump);
}
