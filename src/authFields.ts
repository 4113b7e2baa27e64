/**
 * The fields of the API gateway's `X-Bkapi-Authorization` header (docs/upstream-api.md): one
 * definition for the config (what is a secret, what is a user identity), the upstream client
 * (what it sends), the simulator (what it checks), the config summary and the log redaction.
 */

/** The header the credentials travel in (never the URL). */
export const AUTH_HEADER = 'X-Bkapi-Authorization';

/** Every field of the header, in the order the config summary lists them. */
export const AUTH_KEYS = ['bk_app_code', 'bk_app_secret', 'access_token', 'bk_ticket', 'bk_token', 'bk_username'] as const;

/** The fields that are secrets; each may be configured as `<key>_file` instead. */
export const SECRET_KEYS = ['bk_app_secret', 'access_token', 'bk_ticket', 'bk_token'] as const;

/** One of SECRET_KEYS. */
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The user identities the gateway accepts; at least one is required. */
export const IDENTITY_KEYS = ['access_token', 'bk_ticket', 'bk_token', 'bk_username'] as const;

/** pino's redact paths: any logged object's secret fields, and the header itself. */
export const REDACT_PATHS: readonly string[] = [...SECRET_KEYS.map((k) => `*.${k}`), `headers["${AUTH_HEADER.toLowerCase()}"]`];
