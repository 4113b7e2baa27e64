/** Validation of /probe's query: exactly one of each parameter, URL-safe, bounded in length. */
import type { ProbeRejectionReason } from '../metrics/selfMetrics';

const PARAMS = ['app_code', 'module_name', 'environment'] as const;
const SAFE = /^[A-Za-z0-9._~-]{1,128}$/;

export type ProbeTarget = Record<(typeof PARAMS)[number], string>;

/** Why a query is not acceptable: a plain-text message, and the reason it is counted under. */
export interface ProbeQueryError {
  error: string;
  reason: Extract<ProbeRejectionReason, 'missing_parameter' | 'invalid_parameter'>;
}

/** Returns the target named by the query, or why it is not acceptable. */
export function parseProbeQuery(query: Record<string, unknown>): { target: ProbeTarget } | ProbeQueryError {
  const out: Partial<ProbeTarget> = {};
  for (const name of PARAMS) {
    const v = query[name];
    if (v === undefined || v === '') return { error: `missing parameter ${name}`, reason: 'missing_parameter' };
    if (typeof v !== 'string') return { error: `parameter ${name} must be given once`, reason: 'invalid_parameter' };
    if (!SAFE.test(v)) return { error: `parameter ${name} must be 1-128 characters of A-Z a-z 0-9 . _ ~ -`, reason: 'invalid_parameter' };
    out[name] = v;
  }
  return { target: out as ProbeTarget };
}
