/**
 * `--web.config.file`: TLS and basic auth for the exporter's own endpoints, in the format of
 * Prometheus's exporter-toolkit (schema: webConfigSchema.ts; TLS files: tlsOptions.ts). Loaded
 * like the main config: every problem listed with its YAML path, line, what is expected and,
 * for a misspelt key or value, what was probably meant.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';

import { parseDuration } from '../config/duration';
import { problemLine } from '../config/errors';
import { issueToProblems } from '../config/issues';
import { byLine, createLocator, placeProblem } from '../config/locate';
import type { PathProblem } from '../config/paths';
import type { ConfigProblem } from '../config/types';
import { tlsSettingsOf, type TlsSettings } from './tlsOptions';
import { WEB_VOCABULARY, webConfigSchema, type ParsedWebConfig } from './webConfigSchema';

/** Thrown for an unreadable or invalid web config; the message lists every problem, as a ConfigError's does. */
export class WebConfigError extends Error {
  constructor(
    readonly file: string,
    /** In file order, each with its YAML path and, when known, its line. */
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid web config ${file}:\n${problems.map(problemLine).join('\n')}`);
    this.name = 'WebConfigError';
  }
}

/** A validated web config. */
export interface WebConfig {
  /** Absolute path of the file. */
  file: string;
  tls?: TlsSettings;
  /** Extra response headers. */
  headers: Record<string, string>;
  /** user → bcrypt hash; empty: no basic auth. */
  users: Record<string, string>;
  /** Requests beyond `burst` per `intervalMs` (token bucket) get 429; undefined: no limit. */
  rateLimit?: { burst: number; intervalMs: number };
  /** Settings accepted but not honoured (e.g. `http2: true`), each with its path and line. */
  warnings: ConfigProblem[];
}

const HTTP2_WARNING =
  'HTTP/2 is not supported: this server speaks HTTP/1.1 only, which clients (Prometheus included) negotiate over TLS; ' +
  'set http2: false or remove the key to silence this warning';

function rateLimitOf(c: ParsedWebConfig, problems: PathProblem[]): WebConfig['rateLimit'] {
  if (!c.rate_limit) return undefined;
  const where = ['rate_limit', 'interval'];
  try {
    const intervalMs = parseDuration(c.rate_limit.interval);
    if (intervalMs <= 0) problems.push({ path: where, message: `expected a duration above 0, got ${JSON.stringify(c.rate_limit.interval)}` });
    return { burst: c.rate_limit.burst, intervalMs };
  } catch (err) {
    problems.push({ path: where, message: (err as Error).message });
    return undefined;
  }
}

/**
 * Parses web config text. `file` names it in messages; relative paths resolve against its
 * directory. Throws WebConfigError with every problem found, ordered by line.
 */
export function parseWebConfig(text: string, file: string): WebConfig {
  const abs = path.resolve(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new WebConfigError(
      abs,
      doc.errors.map((e) => ({ path: '', line: e.linePos?.[0].line ?? lineCounter.linePos(e.pos[0]).line, message: `YAML syntax error: ${e.message}` })),
    );
  }
  const locate = createLocator(doc, lineCounter);
  const fail = (problems: PathProblem[]) => new WebConfigError(abs, problems.map((p) => placeProblem(p, locate)).sort(byLine));

  const raw: unknown = doc.toJS() ?? {};
  const parsed = webConfigSchema.safeParse(raw);
  if (!parsed.success) throw fail(parsed.error.issues.flatMap((issue) => issueToProblems(issue, raw, WEB_VOCABULARY)));
  const c = parsed.data;
  const problems: PathProblem[] = [];
  const warnings: PathProblem[] = [];
  const t = c.tls_server_config;
  let tls: TlsSettings | undefined;
  if (t && Object.keys(t).length > 0) {
    const found = tlsSettingsOf(t, path.dirname(abs));
    problems.push(...found.problems);
    tls = found.settings;
  }
  const rateLimit = rateLimitOf(c, problems);
  if (problems.length > 0) throw fail(problems);
  // exporter-toolkit serves HTTP/2 over TLS unless told not to; without TLS it, too, speaks HTTP/1.1 only.
  if (tls && c.http_server_config?.http2 === true) warnings.push({ path: ['http_server_config', 'http2'], message: HTTP2_WARNING });
  return {
    file: abs,
    tls,
    headers: (c.http_server_config?.headers ?? {}) as Record<string, string>,
    users: c.basic_auth_users ?? {},
    rateLimit,
    warnings: warnings.map((w) => placeProblem(w, locate)),
  };
}

/** Reads and validates a web config file. Throws WebConfigError. */
export function loadWebConfig(file: string): WebConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new WebConfigError(abs, [{ path: '', message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  return parseWebConfig(text, abs);
}

/** One line for the startup log / --check-config / a reload: what the web config turns on, and its warnings. */
export function describeWebConfig(c: WebConfig): string {
  const parts = [c.tls ? `TLS ${c.tls.minVersion}-${c.tls.maxVersion}, client certificates: ${c.tls.clientAuth}` : 'no TLS'];
  const users = Object.keys(c.users).length;
  parts.push(users > 0 ? `basic auth: ${users} user${users === 1 ? '' : 's'}` : 'no basic auth');
  if (c.rateLimit) parts.push(`rate limit: ${c.rateLimit.burst} per ${c.rateLimit.intervalMs} ms`);
  if (Object.keys(c.headers).length > 0) parts.push(`headers: ${Object.keys(c.headers).join(', ')}`);
  for (const w of c.warnings) parts.push(`warning: ${problemLine(w).trim()}`);
  return `web config ${c.file}: ${parts.join('; ')}`;
}
