/**
 * The practical floor of a cold scrape: the least a fresh Node process can do to fetch every
 * target once — node:http with a keep-alive pool at the exporter's concurrency, each body read
 * and JSON-parsed, nothing else. The ratio floor `ceil(N / concurrency) × latency` leaves out a
 * fresh process's first-use costs (JIT, connection set-up); this run, on the same simulator,
 * shows how much of a cold scrape's excess is those.
 *
 * Run as its own process: `node bareClient.js JOB.json`; prints the elapsed milliseconds.
 */
import { readFileSync } from 'node:fs';
import { warmUpstream } from './client';

export interface BareClientJob {
  baseUrl: string;
  authorization: string;
  paths: string[];
  concurrency: number;
}

async function run(file: string): Promise<void> {
  const job = JSON.parse(readFileSync(file, 'utf8')) as BareClientJob;
  const started = performance.now();
  await warmUpstream(job.baseUrl, job.authorization, job.paths, job.concurrency, true);
  process.stdout.write(`${(performance.now() - started).toFixed(1)}\n`);
}

if (require.main === module) {
  run(process.argv[2]).catch((err: unknown) => {
    process.stderr.write(`bare client: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
