import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** Repository root. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The Helm chart's folder. */
export const CHART = path.join(ROOT, 'helm', 'bkpaas-process-exporter');

export type Values = Record<string, unknown>;

/** Reads a YAML file (relative to the repository root or absolute). */
export function readYaml(file: string): unknown {
  return parse(fs.readFileSync(path.resolve(ROOT, file), 'utf8'));
}

/** Reads a text file relative to the repository root. */
export function readText(file: string): string {
  return fs.readFileSync(path.resolve(ROOT, file), 'utf8');
}

const isMap = (v: unknown): v is Values => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Merges user values over defaults the way Helm coalesces them: maps merge key by key, lists and
 * scalars replace, and null deletes the default key. Returns a new object.
 */
export function mergeValues(defaults: Values, overrides: Values): Values {
  const out: Values = structuredClone(defaults);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key] as Values, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** Every file under the chart's templates/ folder, relative to templates/, sorted. */
export function templateFiles(): string[] {
  const dir = path.join(CHART, 'templates');
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? walk(p) : [path.relative(dir, p)];
    });
  return walk(dir).sort();
}

/** Text of a chart template, by its path relative to templates/. */
export function template(name: string): string {
  return fs.readFileSync(path.join(CHART, 'templates', name), 'utf8');
}
