/** Validation of /probe's query: exactly one of each parameter, URL-safe, bounded in length. */
import querystring from 'node:querystring';
import type { ProbeRejectionReason } from '../metrics/selfMetrics';

const PARAMS = ['app_code', 'module_name', 'environment'] as const;
const SAFE = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * Query parameters a /probe request may carry. Node's query parser (Express's default) reads
 * this many and silently drops the rest, so a target named after them would read as missing:
 * more are refused outright.
 */
export const MAX_QUERY_PARAMETERS = 1000;

export type ProbeTarget = Record<(typeof PARAMS)[number], string>;

/** Why a query is not acceptable: a plain-text message, and the reason it is counted under. */
export interface ProbeQueryError {
  error: string;
  reason: Extract<ProbeRejectionReason, 'missing_parameter' | 'invalid_parameter'>;
}

/** `a=1&&b=2` has two parameters: empty pieces are no parameter. */
function countParameters(rawQuery: string): number {
  let n = 0;
  for (const piece of rawQuery.split('&')) if (piece !== '') n += 1;
  return n;
}

/** Returns the target named by the query of a request URL (`/probe?...`), or why it is not acceptable. */
export function parseProbeQuery(url: string): { target: ProbeTarget } | ProbeQueryError {
  const at = url.indexOf('?');
  const rawQuery = at < 0 ? '' : url.slice(at + 1);
  const n = countParameters(rawQuery);
  if (n > MAX_QUERY_PARAMETERS) return { error: `too many query parameters: ${n}, at most ${MAX_QUERY_PARAMETERS}`, reason: 'invalid_parameter' };
  // Counted above, so the parser may read every one of them.
  const query = querystring.parse(rawQuery, '&', '=', { maxKeys: 0 });
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
