/**
 * The practical floor of a cold scrape and of the CPU a fetch costs: the least a fresh Node
 * process can do to fetch every target once — node:http with a keep-alive pool at the exporter's
 * concurrency, each body read and JSON-parsed, nothing else. The ratio floor
 * `ceil(N / concurrency) × latency` leaves out a fresh process's first-use costs (JIT, connection
 * set-up); this run, on the same simulator, shows how much of a cold scrape's excess is those.
 *
 * Run as its own process: `node bareClient.js JOB.json`; prints one JSON line (BareClientResult):
 * the elapsed time of the pass and the process's own CPU time (user + system, every thread,
 * start-up included) once it is done; with `warmPass`, a second pass over every target follows
 * and its CPU time alone is reported too.
 */
import { readFileSync } from 'node:fs';
import { warmUpstream } from './client';

export interface BareClientJob {
  baseUrl: string;
  authorization: string;
  paths: string[];
  concurrency: number;
  /** Fetch every target a second time and report that pass's CPU time apart (a warm process). */
  warmPass?: boolean;
}

export interface BareClientResult {
  /** Elapsed time of the first pass. */
  ms: number;
  /** The whole process's CPU time after the first pass (start-up, JIT and every request included). */
  cpuMs: number;
  requests: number;
  /** The second pass, when asked for: its elapsed and CPU time. */
  warm?: { ms: number; cpuMs: number };
}

/** CPU time this process has used so far, all threads, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function run(file: string): Promise<void> {
  const job = JSON.parse(readFileSync(file, 'utf8')) as BareClientJob;
  const started = performance.now();
  await warmUpstream(job.baseUrl, job.authorization, job.paths, job.concurrency, true);
  const result: BareClientResult = { ms: performance.now() - started, cpuMs: cpuMs(), requests: job.paths.length };
  if (job.warmPass) {
    const [t, c] = [performance.now(), cpuMs()];
    await warmUpstream(job.baseUrl, job.authorization, job.paths, job.concurrency, true);
    result.warm = { ms: performance.now() - t, cpuMs: cpuMs() - c };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  run(process.argv[2]).catch((err: unknown) => {
    process.stderr.write(`bare client: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
