/** Small statistics for the benchmark: quantiles of samples, ratios, formatting. */

/** The q-quantile (0..1) of `samples` by the nearest-rank method; NaN for none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** A distribution of samples as the report shows it. */
export interface Distribution {
  median: number;
  p99: number;
  max: number;
  n: number;
}

export function dist(samples: readonly number[]): Distribution {
  return { median: median(samples), p99: quantile(samples, 0.99), max: Math.max(...samples), n: samples.length };
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds with a precision that suits their size: 0.42 ms, 12.3 ms, 7 850 ms. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${groupDigits(Math.round(ms))} ms`;
}

/** Bytes in B, KB, MB (powers of 1000, like the "~16 MB"). */
export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** A ratio as "1.23×". */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  return r >= 100 ? `${Math.round(r)}×` : `${r.toFixed(2)}×`;
}

/** 150000 → "150 000" (thin grouping that reads the same in every locale). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
