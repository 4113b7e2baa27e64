/**
 * The schema of `--web.config.file` (Prometheus exporter-toolkit's web config format,
 * https://github.com/prometheus/exporter-toolkit, docs/web-configuration.md), each node carrying
 * what it expects in words, as the main config's schema does: the vocabulary the main config's
 * issue wording (src/config/issues.ts) uses for this file too. Strict: unknown keys are errors.
 */
import { z } from 'zod';

import type { Vocabulary } from '../config/issues';

/** exporter-toolkit's TLS version names → Node's. */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
/** A TLS version as the web config names it. */
export type TlsVersionName = keyof typeof TLS_VERSIONS;

/** The client_auth_type values exporter-toolkit accepts. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'RequireClientCert', // exporter-toolkit keeps it as an alias of RequireAnyClientCert
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
/** A client-certificate policy, the alias resolved. */
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
export const ALLOWED_HEADERS: Record<string, readonly [string, ...string[]] | undefined> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** $2a$, $2b$ or $2y$, a two-digit cost, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;
const BCRYPT_EXPECTED = 'a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters)';

const RELATIVE = "(relative to the web config's directory)";
const CA_EXPECTED = 'the CA certificates client certificates are verified against';
const BOOL = 'true or false';

const oneOf = (values: readonly string[]) => `one of ${values.join(', ')}`;
const enumOf = <T extends string>(values: readonly T[]) => z.enum(values as unknown as [T, ...T[]]).meta({ expects: oneOf(values) });
const file = (expects: string) => z.string().min(1).meta({ expects: `the path of ${expects} ${RELATIVE}` });
const pem = (expects: string) => z.string().min(1).meta({ expects: `the PEM text of ${expects}` });
const tlsVersion = () => enumOf(Object.keys(TLS_VERSIONS) as TlsVersionName[]);
const mapping = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).meta({ expects: 'a mapping' });

const tlsServerSchema = mapping({
  cert_file: file('a PEM certificate file').optional(),
  key_file: file('a PEM private key file').optional(),
  cert: pem('a certificate').optional(),
  key: pem('a private key').optional(),
  client_ca_file: file(`a PEM file of ${CA_EXPECTED}`).optional(),
  client_ca: pem(CA_EXPECTED).optional(),
  client_auth_type: enumOf(CLIENT_AUTH_TYPES).optional(),
  client_allowed_sans: z
    .array(z.string().min(1).meta({ expects: 'a non-empty SAN such as "prometheus.example.com"' }))
    .meta({ expects: 'a list of SANs (DNS names, IPs, emails or URIs) such as [prometheus.example.com]' })
    .optional(),
  cipher_suites: z
    .array(enumOf(Object.keys(CIPHER_SUITES)))
    .min(1)
    .meta({ expects: "a non-empty list of Go's cipher suite names such as [TLS_AES_128_GCM_SHA256]" })
    .optional(),
  curve_preferences: z
    .array(enumOf(Object.keys(CURVES)))
    .min(1)
    .meta({ expects: 'a non-empty list of curves such as [X25519, CurveP256]' })
    .optional(),
  min_version: tlsVersion().optional(),
  max_version: tlsVersion().optional(),
  prefer_server_cipher_suites: z.boolean().meta({ expects: BOOL }).optional(),
});

// A header value becomes part of every response: a line break would let it add headers.
const headerValue = () =>
  z
    .string()
    .superRefine((value, ctx) => {
      // eslint-disable-next-line no-control-regex
      if (/[\r\n\u0000]/.test(value)) ctx.addIssue({ code: 'custom', message: 'must not contain line breaks or NUL' });
    })
    .meta({ expects: 'a string' });
const headersSchema = z
  .strictObject(
    Object.fromEntries(Object.entries(ALLOWED_HEADERS).map(([name, values]) => [name, (values ? enumOf(values) : headerValue()).optional()])) as Record<
      string,
      z.ZodOptional<z.ZodString | z.ZodEnum>
    >,
  )
  .meta({ expects: 'a mapping of header names to values, such as {X-Frame-Options: deny}' });

const httpServerSchema = mapping({
  http2: z.boolean().meta({ expects: BOOL }).optional(),
  headers: headersSchema.optional(),
});

const rateLimitSchema = mapping({
  burst: z.number().int().min(1).meta({ expects: 'an integer of 1 or more' }),
  interval: z.string().meta({ expects: 'a duration such as "1s"' }),
});

// Never quote the value: a plain-text password put here by mistake must not reach a log.
const bcryptHash = z
  .string()
  .superRefine((hash, ctx) => {
    if (!BCRYPT_HASH.test(hash)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${BCRYPT_EXPECTED}, got a string of ${hash.length} characters; make one with htpasswd -nBC 10 "" (see docs/hardening.md)`,
      });
    }
  })
  .meta({ expects: BCRYPT_EXPECTED });

const userName = z.string().superRefine((user, ctx) => {
  if (user === '') ctx.addIssue({ code: 'custom', message: 'a user name must not be empty' });
  if (user.includes(':')) ctx.addIssue({ code: 'custom', message: 'a user name must not contain ":" (basic auth splits user and password there)' });
});

/** The whole web config; each node carries what it expects, in words (`.meta({ expects })`, read by src/config/expects.ts). */
export const webConfigSchema = mapping({
  tls_server_config: tlsServerSchema.nullable().optional(),
  http_server_config: httpServerSchema.nullable().optional(),
  basic_auth_users: z.record(userName, bcryptHash).meta({ expects: 'a mapping of user names to bcrypt hashes' }).nullable().optional(),
  rate_limit: rateLimitSchema.nullable().optional(),
});

/** A web config as the schema accepts it. */
export type ParsedWebConfig = z.infer<typeof webConfigSchema>;
/** `tls_server_config` as the schema accepts it. */
export type TlsServerInput = z.infer<typeof tlsServerSchema>;

/** The web config's vocabulary for src/config/issues.ts: its schema, its keys, what is never quoted. */
export const WEB_VOCABULARY: Vocabulary = {
  schema: webConfigSchema,
  allowedKeys: {
    '': Object.keys(webConfigSchema.shape),
    tls_server_config: Object.keys(tlsServerSchema.shape),
    http_server_config: Object.keys(httpServerSchema.shape),
    'http_server_config.headers': Object.keys(ALLOWED_HEADERS),
    rate_limit: Object.keys(rateLimitSchema.shape),
  },
  // What sits where a hash or a private key belongs may be a password or a key.
  isSensitive: (path) => path[0] === 'basic_auth_users' || (path[0] === 'tls_server_config' && path[1] === 'key'),
};
