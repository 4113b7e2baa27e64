/** Static targets: each `targets[]` entry expanded to one TargetSpec per app_code x module x environment. */

import type { ParsedConfig } from './schema';
import type { TargetSpec } from './types';

/** Returns a copy of `labels` with its keys in sorted order. */
export function sortLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name];
  return out;
}

/**
 * Returns the targets of the validated `targets` entries in config order: entry by entry, then
 * module by module, then environment by environment, each with `source` `targets[i]`.
 */
export function expandTargets(entries: ParsedConfig['targets']): TargetSpec[] {
  const out: TargetSpec[] = [];
  entries.forEach((entry, i) => {
    const labels = sortLabels(entry.labels);
    for (const module_name of entry.modules) {
      for (const environment of entry.environments) {
        const spec: TargetSpec = { app_code: entry.app_code, module_name, environment, labels: { ...labels }, source: `targets[${i}]` };
        if (entry.only_latest_version !== undefined) spec.only_latest_version = entry.only_latest_version;
        out.push(spec);
      }
    }
  });
  return out;
}
