/**
 * `--web.config.file`: TLS and basic auth for the exporter's own endpoints, in the format of
 * Prometheus's exporter-toolkit (https://github.com/prometheus/exporter-toolkit, docs/web-configuration.md).
 * Validated strictly (unknown keys are errors), every problem named by its YAML path; relative
 * file paths resolve against the web config's directory; certificate files are read and checked
 * once, at load.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../config/duration';

/** Thrown for an unreadable or invalid web config; the message lists every problem. */
export class WebConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid web config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WebConfigError';
  }
}

export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'RequireClientCert', // exporter-toolkit keeps it as an alias of RequireAnyClientCert
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = Exclude<(typeof CLIENT_AUTH_TYPES)[number], 'RequireClientCert'>;

/** Go's cipher suite names (what exporter-toolkit accepts) → OpenSSL's. TLS 1.3 names are the same in both. */
export const CIPHER_SUITES: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/** Go's curve names → OpenSSL's. */
export const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/** The response headers exporter-toolkit lets a web config set, with their allowed values (undefined: any). */
export const ALLOWED_HEADERS: Record<string, readonly string[] | undefined> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** $2a$, $2b$ or $2y$, a two-digit cost, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

const file = z.string().min(1, 'expected a file path, got an empty string');
const pem = z.string().min(1, 'expected PEM text, got an empty string');
const tlsVersion = z.enum(Object.keys(TLS_VERSIONS) as [TlsVersionName, ...TlsVersionName[]]);

const tlsServerSchema = z.strictObject({
  cert_file: file.optional(),
  key_file: file.optional(),
  cert: pem.optional(),
  key: pem.optional(),
  client_ca_file: file.optional(),
  client_ca: pem.optional(),
  client_auth_type: z.enum(CLIENT_AUTH_TYPES).optional(),
  client_allowed_sans: z.array(z.string().min(1)).optional(),
  cipher_suites: z.array(z.enum(Object.keys(CIPHER_SUITES) as [string, ...string[]])).min(1).optional(),
  curve_preferences: z.array(z.enum(Object.keys(CURVES) as [string, ...string[]])).min(1).optional(),
  min_version: tlsVersion.optional(),
  max_version: tlsVersion.optional(),
  prefer_server_cipher_suites: z.boolean().optional(),
});

const httpServerSchema = z.strictObject({
  http2: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const rateLimitSchema = z.strictObject({
  burst: z.number().int().min(1),
  interval: z.string(),
});

// Never quote the value: a plain-text password put here by mistake must not reach a log.
const bcryptHash = z.string().superRefine((hash, ctx) => {
  if (!BCRYPT_HASH.test(hash)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters), got a string of ${hash.length} characters`,
    });
  }
});

const webConfigSchema = z.strictObject({
  tls_server_config: tlsServerSchema.nullable().optional(),
  http_server_config: httpServerSchema.nullable().optional(),
  basic_auth_users: z.record(z.string(), bcryptHash).nullable().optional(),
  rate_limit: rateLimitSchema.nullable().optional(),
});

/** TLS settings, files read: what node:https needs, plus the client-certificate policy. */
export interface TlsSettings {
  /** PEM. */
  cert: string;
  key: string;
  /** PEM of the CAs client certificates are verified against. */
  clientCa?: string;
  clientAuth: ClientAuthType;
  /** The client certificate must carry one of these SANs (DNS, IP, email or URI). */
  clientAllowedSans?: string[];
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /** OpenSSL cipher list; undefined for Node's defaults. */
  ciphers?: string;
  /** OpenSSL curve list; undefined for Node's defaults. */
  ecdhCurve?: string;
  honorCipherOrder: boolean;
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
  /** Accepted for compatibility; this server speaks HTTP/1.1 only. */
  http2: boolean;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

function joinPath(parts: ReadonlyArray<PropertyKey>): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(top level)';
}

/** Allowed keys per mapping, for "unknown key" messages. */
const ALLOWED_KEYS: Record<string, string[]> = {
  '(top level)': Object.keys(webConfigSchema.shape),
  tls_server_config: Object.keys(tlsServerSchema.shape),
  http_server_config: Object.keys(httpServerSchema.shape),
  rate_limit: Object.keys(rateLimitSchema.shape),
};

const EXPECTED_NAMES: Record<string, string> = { object: 'a mapping', record: 'a mapping', array: 'a list' };

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string[] {
  const where = joinPath(issue.path);
  const given = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map(
        (k) => `${where === '(top level)' ? k : `${where}.${k}`}: unknown key; allowed here: ${(ALLOWED_KEYS[where] ?? []).join(', ')}`,
      );
    case 'invalid_value':
      return [`${where}: expected one of ${issue.values.map(String).join(', ')}, got ${typeof given === 'string' ? JSON.stringify(given) : kindOf(given)}`];
    case 'invalid_type':
      return [`${where}: expected ${EXPECTED_NAMES[issue.expected] ?? `a ${issue.expected}`}, got ${kindOf(given)}`];
    default:
      return [`${where}: ${issue.message}`];
  }
}

function readFile(what: string, p: string, problems: string[]): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    problems.push(`${what}: cannot read ${p}: ${e.code ?? e.message}`);
    return undefined;
  }
}

type TlsInput = z.infer<typeof tlsServerSchema>;

function tlsSettings(t: TlsInput, dir: string, problems: string[]): TlsSettings | undefined {
  const at = 'tls_server_config';
  const before = problems.length;
  const resolve = (p: string) => path.resolve(dir, p);
  if (t.cert !== undefined && t.cert_file !== undefined) problems.push(`${at}: set one of cert and cert_file, not both`);
  if (t.key !== undefined && t.key_file !== undefined) problems.push(`${at}: set one of key and key_file, not both`);
  if (t.client_ca !== undefined && t.client_ca_file !== undefined) problems.push(`${at}: set one of client_ca and client_ca_file, not both`);
  if (t.cert === undefined && t.cert_file === undefined) problems.push(`${at}.cert_file: missing; TLS needs a certificate (cert_file or cert)`);
  if (t.key === undefined && t.key_file === undefined) problems.push(`${at}.key_file: missing; TLS needs a private key (key_file or key)`);

  let clientAuth: ClientAuthType = 'NoClientCert';
  if (t.client_auth_type !== undefined) clientAuth = t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : t.client_auth_type;
  const hasCa = t.client_ca !== undefined || t.client_ca_file !== undefined;
  if (hasCa && clientAuth === 'NoClientCert') {
    problems.push(`${at}.client_auth_type: client CAs are configured but client_auth_type is NoClientCert (set e.g. RequireAndVerifyClientCert)`);
  }
  if (!hasCa && (clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert')) {
    problems.push(`${at}.client_ca_file: missing; client_auth_type ${clientAuth} verifies client certificates against it`);
  }
  if (t.client_allowed_sans !== undefined && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    problems.push(`${at}.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert`);
  }
  const order = Object.keys(TLS_VERSIONS);
  const minName = t.min_version ?? 'TLS12';
  const maxName = t.max_version ?? 'TLS13';
  if (order.indexOf(minName) > order.indexOf(maxName)) problems.push(`${at}.min_version: ${minName} is above max_version ${maxName}`);
  if (problems.length > before) return undefined;

  const cert = t.cert ?? readFile(`${at}.cert_file`, resolve(t.cert_file!), problems);
  const key = t.key ?? readFile(`${at}.key_file`, resolve(t.key_file!), problems);
  const clientCa = t.client_ca ?? (t.client_ca_file !== undefined ? readFile(`${at}.client_ca_file`, resolve(t.client_ca_file), problems) : undefined);
  if (cert === undefined || key === undefined || problems.length > before) return undefined;
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${at}.${t.cert !== undefined ? 'cert' : 'cert_file'}: not a PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) problems.push(`${at}.${t.key !== undefined ? 'key' : 'key_file'}: not a PEM private key`);
  if (clientCa !== undefined && !clientCa.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push(`${at}.${t.client_ca !== undefined ? 'client_ca' : 'client_ca_file'}: not a PEM certificate`);
  }
  if (problems.length > before) return undefined;

  const settings: TlsSettings = {
    cert,
    key,
    clientCa,
    clientAuth,
    clientAllowedSans: t.client_allowed_sans,
    minVersion: TLS_VERSIONS[minName],
    maxVersion: TLS_VERSIONS[maxName],
    ciphers: t.cipher_suites?.map((c) => CIPHER_SUITES[c]).join(':'),
    ecdhCurve: t.curve_preferences?.map((c) => CURVES[c]).join(':'),
    honorCipherOrder: t.prefer_server_cipher_suites ?? true,
  };
  try {
    // Catches a key that does not match the certificate, an encrypted key, a bad cipher list.
    tls.createSecureContext({
      cert: settings.cert,
      key: settings.key,
      ca: settings.clientCa,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
      ciphers: settings.ciphers,
      ecdhCurve: settings.ecdhCurve,
    });
  } catch (err) {
    // OpenSSL's messages carry no key material; keep the readable part.
    const msg = (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
    problems.push(`${at}: the certificate and key cannot be used: ${msg}`);
    return undefined;
  }
  return settings;
}

function headersOf(headers: Record<string, string>, problems: string[]): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    const where = `http_server_config.headers.${name}`;
    if (!(name in ALLOWED_HEADERS)) {
      problems.push(`${where}: this header cannot be configured; allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')}`);
      continue;
    }
    const allowed = ALLOWED_HEADERS[name];
    if (allowed && !allowed.includes(value)) problems.push(`${where}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    // eslint-disable-next-line no-control-regex
    if (/[\r\n\u0000]/.test(value)) problems.push(`${where}: must not contain line breaks or NUL`);
  }
  return headers;
}

function usersOf(users: Record<string, string>, problems: string[]): Record<string, string> {
  for (const user of Object.keys(users)) {
    const where = `basic_auth_users.${user}`;
    if (user === '') problems.push('basic_auth_users: a user name must not be empty');
    if (user.includes(':')) problems.push(`${where}: a user name must not contain ":" (basic auth splits user and password there)`);
  }
  return users;
}

/**
 * Parses web config text. `file` names it in messages; relative paths resolve against its
 * directory. Throws WebConfigError with every problem found.
 */
export function parseWebConfig(text: string, file: string): WebConfig {
  const abs = path.resolve(file);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new WebConfigError(abs, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = webConfigSchema.safeParse(raw);
  if (!parsed.success) throw new WebConfigError(abs, parsed.error.issues.flatMap((i) => describeIssue(i, raw)));
  const c = parsed.data;
  const problems: string[] = [];
  const t = c.tls_server_config;
  const tlsGiven = t && Object.keys(t).length > 0;
  const settings = tlsGiven ? tlsSettings(t, path.dirname(abs), problems) : undefined;
  const headers = headersOf(c.http_server_config?.headers ?? {}, problems);
  const users = usersOf(c.basic_auth_users ?? {}, problems);
  let rateLimit: WebConfig['rateLimit'];
  if (c.rate_limit) {
    try {
      const intervalMs = parseDuration(c.rate_limit.interval);
      if (intervalMs <= 0) problems.push('rate_limit.interval: must be above 0');
      rateLimit = { burst: c.rate_limit.burst, intervalMs };
    } catch (err) {
      problems.push(`rate_limit.interval: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new WebConfigError(abs, problems);
  return { file: abs, tls: settings, headers, users, rateLimit, http2: c.http_server_config?.http2 ?? true };
}

/** Reads and validates a web config file. Throws WebConfigError. */
export function loadWebConfig(file: string): WebConfig {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new WebConfigError(abs, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseWebConfig(text, abs);
}

/** One line for the startup log / --check-config: what the web config turns on. */
export function describeWebConfig(c: WebConfig): string {
  const parts = [c.tls ? `TLS ${c.tls.minVersion}-${c.tls.maxVersion}, client certificates: ${c.tls.clientAuth}` : 'no TLS'];
  const users = Object.keys(c.users).length;
  parts.push(users > 0 ? `basic auth: ${users} user${users === 1 ? '' : 's'}` : 'no basic auth');
  if (c.rateLimit) parts.push(`rate limit: ${c.rateLimit.burst} per ${c.rateLimit.intervalMs} ms`);
  if (Object.keys(c.headers).length > 0) parts.push(`headers: ${Object.keys(c.headers).join(', ')}`);
  return `web config ${c.file}: ${parts.join('; ')}`;
}
