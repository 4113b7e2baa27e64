/** Numbers as a person reads them on the status page: CPU cores, bytes, ages. */

/** Cores as Kubernetes writes them: `2`, `1.5`, `500m`. */
export function formatCores(cores: number): string {
  if (cores >= 1) return String(Number(cores.toFixed(3)));
  return `${Number((cores * 1000).toFixed(1))}m`;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units: `512 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < BINARY_UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${Number(v.toFixed(v >= 100 || u === 0 ? 0 : 1))} ${BINARY_UNITS[u]}`;
}

/** Whole seconds from `then` to `now` (epoch ms), never negative. */
export function secondsSince(then: number, now: number): number {
  return Math.max(0, Math.round((now - then) / 1000));
}
