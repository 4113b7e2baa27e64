/**
 * Refresh cycles of an exporter whose cache.ttl is 1 s: each cycle waits the ttl out (every
 * target due again) and scrapes once. The exporter's CPU is read at the start of each cycle and
 * once more a cycle after the last, so each sample covers one refresh, the scrape that started it
 * and what followed (deferred garbage collection included).
 */
import type http from 'node:http';
import { scrape, type ScrapeResult } from './client';

export interface RefreshCycles {
  /** Each refresh scrape's duration. */
  ms: number[];
  /** The exporter's CPU per target of each cycle, ms. */
  cpuSamples: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `cycles` refresh scrapes of `url`; `check` sees each one (throw to fail the run). */
export async function refreshCycles(o: {
  url: string;
  agent: http.Agent;
  cycles: number;
  targets: number;
  cpuMs: () => number;
  keepBody?: boolean;
  check: (r: ScrapeResult) => void;
}): Promise<RefreshCycles> {
  const ms: number[] = [];
  const cpuAt: number[] = [];
  for (let k = 0; k < o.cycles; k++) {
    await sleep(1100);
    cpuAt.push(o.cpuMs());
    const r = await scrape(o.url, { agent: o.agent, timeoutSeconds: 3600, keepBody: o.keepBody });
    o.check(r);
    ms.push(r.ms);
  }
  await sleep(1100);
  cpuAt.push(o.cpuMs());
  return { ms, cpuSamples: cpuAt.slice(1).map((c, k) => (c - cpuAt[k]) / o.targets) };
}
