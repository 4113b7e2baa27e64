/**
 * What the status page shows, computed from the exporter's targets: the summary over all of them,
 * each target's rank (failing first, then those with a process in trouble, then the rest), the
 * filter, and the one page of targets to render. Pure: the same targets, query and clock give the
 * same model. Linear in targets and process types, plus one sort of the matching targets.
 */
import type { DiscoveryStatus } from '../../discovery/manager';
import type { ProcessStatus } from '../../model/processStatus';
import type { TargetState } from '../../scheduler/targetState';
import type { StatusQuery } from './query';

/** What the page reads of a target: a read-only slice of its record. */
export type StatusTarget = Readonly<Pick<TargetState, 'key' | 'spec' | 'health' | 'lastError' | 'lastFinishedAt' | 'lastSuccessAt' | 'processes' | 'inflight'>>;

/** Where a target is listed, in page order: its last fetch failed; a process is in trouble; not fetched yet; fine; not deployed. */
export type Rank = 'failing' | 'attention' | 'pending' | 'healthy' | 'undeployed';

/** Ranks in the order the page lists them. */
export const RANKS: readonly Rank[] = ['failing', 'attention', 'pending', 'healthy', 'undeployed'];

/** What is wrong with one process type, if anything. */
export interface ProcessCheck {
  /** Started, and fewer healthy replicas than its target (or desired, without a target). */
  short: boolean;
  failed: boolean;
  stale: boolean;
  /** The platform's own rule says it is still changing. */
  unsettled: boolean;
  problem: boolean;
}

/** Checks one process type: the same facts the alert rules look at. */
export function checkProcess(p: ProcessStatus): ProcessCheck {
  const short = p.target_status !== 'stop' && p.success < (p.target_replicas ?? p.replicas);
  const failed = p.failed > 0;
  const stale = (p.stale_instances ?? 0) > 0;
  const unsettled = p.settled === 0;
  return { short, failed, stale, unsettled, problem: short || failed || stale || unsettled };
}

export interface ProcessEntry {
  status: ProcessStatus;
  check: ProcessCheck;
}

export interface TargetEntry {
  target: StatusTarget;
  rank: Rank;
  /** Its process types (of the last successful fetch; for a failing target, the last known ones). */
  processes: ProcessEntry[];
}

/** Counts over every target of this exporter, whatever the filter. */
export interface Summary {
  targets: number;
  up: number;
  down: number;
  pending: number;
  undeployed: number;
  /** The rest count only targets that are up: a failing target's processes are last known, not current. */
  processes: number;
  notSettled: number;
  short: number;
  failedInstances: number;
  staleInstances: number;
}

export interface StatusModel {
  summary: Summary;
  discovery?: DiscoveryStatus;
  /** Every environment among the targets, sorted: the filter's choices. */
  environments: string[];
  /** Targets that pass the filter. */
  matched: number;
  /** Matching targets per rank (the section headings count them all, not only this page's). */
  matchedByRank: Record<Rank, number>;
  /** 1-based, within 1..pages. */
  page: number;
  pages: number;
  /** Index of the page's first target among the matching ones. */
  offset: number;
  /** The page's targets, in page order. */
  entries: TargetEntry[];
}

function rankOf(target: StatusTarget, processes: readonly ProcessEntry[]): Rank {
  switch (target.health) {
    case 'down':
      return 'failing';
    case 'pending':
      return 'pending';
    case 'undeployed':
      return 'undeployed';
    default:
      return processes.some((p) => p.check.problem) ? 'attention' : 'healthy';
  }
}

function matches(t: StatusTarget, rank: Rank, q: StatusQuery, app: string, module: string): boolean {
  if (app && !t.spec.app_code.toLowerCase().includes(app)) return false;
  if (module && !t.spec.module_name.toLowerCase().includes(module)) return false;
  if (q.env && t.spec.environment !== q.env) return false;
  return !q.problems || rank === 'failing' || rank === 'attention';
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the page's model from the exporter's targets. */
export function buildStatusModel(targets: readonly StatusTarget[], query: StatusQuery, discovery?: DiscoveryStatus): StatusModel {
  const summary: Summary = { targets: targets.length, up: 0, down: 0, pending: 0, undeployed: 0, processes: 0, notSettled: 0, short: 0, failedInstances: 0, staleInstances: 0 };
  const environments = new Set<string>();
  const matchedByRank = Object.fromEntries(RANKS.map((r) => [r, 0])) as Record<Rank, number>;
  const matched: Array<{ sortKey: string; entry: TargetEntry }> = [];
  const app = query.app.toLowerCase();
  const module = query.module.toLowerCase();

  for (const target of targets) {
    const processes = (target.processes ?? []).map((status) => ({ status, check: checkProcess(status) }));
    const health = target.health;
    summary[health] += 1;
    environments.add(target.spec.environment);
    if (health === 'up') {
      for (const p of processes) {
        summary.processes += 1;
        if (p.check.unsettled) summary.notSettled += 1;
        if (p.check.short) summary.short += 1;
        summary.failedInstances += p.status.failed;
        summary.staleInstances += p.status.stale_instances ?? 0;
      }
    }
    const rank = rankOf(target, processes);
    if (!matches(target, rank, query, app, module)) continue;
    matchedByRank[rank] += 1;
    // Rank first, then app, module, environment: each section lists its targets grouped by app.
    matched.push({ sortKey: `${RANKS.indexOf(rank)}\u0000${target.key}`, entry: { target, rank, processes } });
  }

  matched.sort((a, b) => byKey(a.sortKey, b.sortKey));
  const pages = Math.max(1, Math.ceil(matched.length / query.perPage));
  const page = Math.min(query.page, pages);
  const offset = (page - 1) * query.perPage;
  return {
    summary,
    discovery,
    environments: [...environments].sort(byKey),
    matched: matched.length,
    matchedByRank,
    page,
    pages,
    offset,
    entries: matched.slice(offset, offset + query.perPage).map((m) => m.entry),
  };
}
