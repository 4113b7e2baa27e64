/** Validation of /probe's query: exactly one of each parameter, URL-safe, bounded in length. */

const PARAMS = ['app_code', 'module_name', 'environment'] as const;
const SAFE = /^[A-Za-z0-9._~-]{1,128}$/;

export type ProbeTarget = Record<(typeof PARAMS)[number], string>;

/** Returns the target named by the query, or a plain-text reason it is not acceptable. */
export function parseProbeQuery(query: Record<string, unknown>): { target: ProbeTarget } | { error: string } {
  const out: Partial<ProbeTarget> = {};
  for (const name of PARAMS) {
    const v = query[name];
    if (v === undefined || v === '') return { error: `missing parameter ${name}` };
    if (typeof v !== 'string') return { error: `parameter ${name} must be given once` };
    if (!SAFE.test(v)) return { error: `parameter ${name} must be 1-128 characters of A-Z a-z 0-9 . _ ~ -` };
    out[name] = v;
  }
  return { target: out as ProbeTarget };
}
