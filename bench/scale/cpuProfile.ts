/**
 * Summarises a V8 `.cpuprofile` (what `node --cpu-prof` writes) by self time: the top functions,
 * and the time per source (a file of ours, a package, node's internals, the garbage collector),
 * with `(idle)` left out of the shares so they read as shares of the CPU the process used.
 *
 *   node dist-bench/bench/scale/cpuProfile.js FILE.cpuprofile [--top 25]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and total milliseconds of one function (total counts a recursive function once per sample). */
export interface FrameTime {
  frame: string;
  source: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** Sampled time, (idle) excluded. */
  busyMs: number;
  idleMs: number;
  frames: FrameTime[];
  /** Self time per source, largest first. */
  sources: Array<{ source: string; selfMs: number }>;
}

/** Where a frame's code lives: `src/upstream/client.ts`, `node-fetch`, `node:internal`, `(garbage collector)`, ... */
export function sourceOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /\/dist(?:-bench)?\/(?:src\/)?(.+)\.js$/.exec(url);
  if (ours) return `src/${ours[1]}.ts`;
  return path.basename(url);
}

/** Self and total time per function, from the samples and their time deltas. */
export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = (n: ProfileNode) => {
    const f = n.callFrame;
    const source = sourceOf(f.url, f.functionName);
    return { key: `${f.functionName || '(anonymous)'} ${source}:${f.lineNumber + 1}`, source };
  };
  const frames = new Map<string, FrameTime>();
  const frame = (n: ProfileNode) => {
    const { key, source } = keyOf(n);
    let t = frames.get(key);
    if (!t) frames.set(key, (t = { frame: key, source, selfMs: 0, totalMs: 0 }));
    return t;
  };
  let idleMs = 0;
  let busyMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the sample stands for the interval after it.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    frame(node).selfMs += ms;
    const seen = new Set<FrameTime>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const t = frame(byId.get(id)!);
      if (seen.has(t)) continue;
      seen.add(t);
      t.totalMs += ms;
    }
  }
  // (root) holds every sample as its total and none as its own: it says nothing.
  const counted = [...frames.values()].filter((t) => t.source !== '(root)');
  const sources = new Map<string, number>();
  for (const t of counted) sources.set(t.source, (sources.get(t.source) ?? 0) + t.selfMs);
  return {
    busyMs,
    idleMs,
    frames: counted.sort((a, b) => b.selfMs - a.selfMs),
    sources: [...sources.entries()].map(([source, selfMs]) => ({ source, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/**
 * The main thread's profile among those `node --cpu-prof` wrote into `dir` for process `pid`
 * (named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; worker threads have their own).
 */
export function mainThreadProfile(dir: string, pid: number): string {
  const mine = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.split('.')[3] === String(pid));
  const main = mine.find((f) => f.split('.')[4] === '0') ?? mine[0];
  if (!main) throw new Error(`no .cpuprofile of process ${pid} in ${dir}`);
  return path.join(dir, main);
}

/** The summary as text: the busy time, the top `top` functions by self time, the sources. */
export function formatSummary(s: ProfileSummary, top = 25): string {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)} %`;
  const ms = (v: number) => `${v.toFixed(0).padStart(7)} ms`;
  const lines = [`busy ${s.busyMs.toFixed(0)} ms (idle ${s.idleMs.toFixed(0)} ms left out)`, '', 'self time by function:'];
  for (const t of s.frames.slice(0, top)) lines.push(`${ms(t.selfMs)} ${pct(t.selfMs)}  (total ${pct(t.totalMs)})  ${t.frame}`);
  lines.push('', 'self time by source:');
  for (const src of s.sources.slice(0, top)) lines.push(`${ms(src.selfMs)} ${pct(src.selfMs)}  ${src.source}`);
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--top');
  const top = at >= 0 ? Number(args.splice(at, 2)[1]) : 25;
  if (args.length !== 1 || !Number.isInteger(top)) {
    process.stderr.write('usage: node dist-bench/bench/scale/cpuProfile.js FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summarise(JSON.parse(readFileSync(args[0], 'utf8')) as CpuProfile), top)}\n`);
}
