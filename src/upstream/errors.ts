/**
 * Why a target's fetch failed. Each value doubles as the `reason` label of
 * `bkpaas_target_fetch_errors_total`, so the list is fixed by the contract.
 */
export const FETCH_ERROR_REASONS = [
  'timeout',
  'network',
  'auth',
  'not_found',
  'rate_limited',
  'client_error',
  'server_error',
  'invalid_response',
] as const;

export type FetchErrorReason = (typeof FETCH_ERROR_REASONS)[number];

/**
 * A failed upstream request, classified. The message names the method, the URL (never with
 * credentials: they travel in headers only) and what went wrong; it never holds a secret or a
 * response body beyond a short, sanitised excerpt.
 */
export class UpstreamError extends Error {
  readonly reason: FetchErrorReason;
  /** HTTP status when a response arrived. */
  readonly status?: number;
  /** From Retry-After on a 429, in milliseconds. */
  readonly retryAfterMs?: number;
  /** Another attempt cannot succeed (e.g. a certificate not trusted): not retried whatever the reason. */
  readonly permanent: boolean;

  constructor(reason: FetchErrorReason, message: string, opts: { status?: number; retryAfterMs?: number; permanent?: boolean } = {}) {
    super(message);
    this.name = 'UpstreamError';
    this.reason = reason;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.permanent = opts.permanent ?? false;
  }
}

/** Maps an HTTP status that is not 200 to the contract's reason. */
export function reasonForStatus(status: number): FetchErrorReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  // 1xx, 204, 3xx (redirects are never followed): not the answer we asked for.
  return 'invalid_response';
}
