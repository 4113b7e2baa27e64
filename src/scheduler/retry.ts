/** Which failures are worth another attempt, and how long to wait before it. */
import { UpstreamError } from '../upstream/errors';

/**
 * Transient failures: the network, or a gateway/backend that is briefly unavailable. 4xx never,
 * nor a failure marked permanent (a TLS certificate the exporter does not trust).
 */
export function isTransient(err: UpstreamError): boolean {
  if (err.permanent) return false;
  if (err.reason === 'network') return true;
  return err.reason === 'server_error' && (err.status === 502 || err.status === 503 || err.status === 504);
}

/** Full-jitter exponential backoff: a random wait in [0, base * 2^attempt). */
export function backoffMs(attempt: number, baseMs = 200, random: () => number = Math.random): number {
  return Math.floor(random() * baseMs * 2 ** attempt);
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
