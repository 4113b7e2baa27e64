/**
 * The status page's query parameters: what a person filters and pages by. Tolerant (a value out
 * of range or malformed is the default, never an error page) and bounded, and written back into
 * links so paging, filtering and the language switch keep each other's choices.
 */
import querystring from 'node:querystring';
import { langOf, type Lang } from './i18n';

/** Targets per page unless `per_page` says otherwise. */
export const DEFAULT_PER_PAGE = 100;
/** The most targets one page renders, whatever `per_page` asks. */
export const MAX_PER_PAGE = 1000;
/** Auto-refresh period the page offers, in seconds. */
export const DEFAULT_REFRESH_SECONDS = 30;
/** Shortest and longest auto-refresh period accepted. */
export const REFRESH_RANGE_SECONDS: readonly [number, number] = [5, 3600];
/** Longer filter values are cut: no app code, module or environment comes near. */
const MAX_FILTER_CHARS = 128;

/** What one request asks of the page. */
export interface StatusQuery {
  /** The `lang` parameter when it names a language of the page. */
  lang?: Lang;
  /** Substring of app_code, case-insensitive; '' for any. */
  app: string;
  /** Substring of module_name, case-insensitive; '' for any. */
  module: string;
  /** Exact environment; '' for any. */
  env: string;
  /** Only targets that fail or have a process with a problem. */
  problems: boolean;
  /** 1-based. */
  page: number;
  perPage: number;
  /** Auto-refresh period in seconds; 0 for none. */
  refresh: number;
}

function first(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

function wholeNumber(v: string, fallback: number, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(v)) return fallback;
  const n = Number(v);
  return n < min ? fallback : Math.min(n, max);
}

/** The query of a request URL (`/?app=...`), defaults for whatever is missing or malformed. */
export function parseStatusQuery(url: string): StatusQuery {
  const at = url.indexOf('?');
  // The page reads seven parameters; more are not worth parsing.
  const q = querystring.parse(at < 0 ? '' : url.slice(at + 1), '&', '=', { maxKeys: 64 });
  const text = (name: string) => first(q[name]).trim().slice(0, MAX_FILTER_CHARS);
  const refresh = first(q.refresh);
  return {
    lang: langOf(first(q.lang) || undefined),
    app: text('app'),
    module: text('module'),
    env: text('env'),
    problems: ['1', 'on', 'true'].includes(first(q.problems)),
    page: wholeNumber(first(q.page), 1, 1, 1e9),
    perPage: wholeNumber(first(q.per_page), DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    refresh: refresh === '' ? 0 : wholeNumber(refresh, 0, REFRESH_RANGE_SECONDS[0], REFRESH_RANGE_SECONDS[1]),
  };
}

/**
 * The page's URL for `query` with `change` laid over it, relative (the page may be served under a
 * path prefix, e.g. behind BlueKing's ingress): only parameters that differ from the defaults are
 * written, so links stay short and `./` is the default view.
 */
export function statusHref(query: StatusQuery, change: Partial<StatusQuery> = {}): string {
  const q = { ...query, ...change };
  const params: Array<[string, string]> = [];
  if (q.lang) params.push(['lang', q.lang]);
  if (q.app) params.push(['app', q.app]);
  if (q.module) params.push(['module', q.module]);
  if (q.env) params.push(['env', q.env]);
  if (q.problems) params.push(['problems', '1']);
  if (q.perPage !== DEFAULT_PER_PAGE) params.push(['per_page', String(q.perPage)]);
  if (q.page !== 1) params.push(['page', String(q.page)]);
  if (q.refresh) params.push(['refresh', String(q.refresh)]);
  return params.length === 0 ? './' : `?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}
