/** Which config keys hold secrets, so that no message ever repeats their values. */

import type { Path } from './paths';

/** The keys under `upstream.auth` that are secrets; each may instead be given as `<key>_file`. */
export const SECRET_KEYS = ['bk_app_secret', 'access_token', 'bk_ticket', 'bk_token'] as const;

/** One of SECRET_KEYS. */
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The user identities the gateway accepts; at least one is required. */
export const IDENTITY_KEYS = ['access_token', 'bk_ticket', 'bk_token', 'bk_username'] as const;

/** Returns true for the path of a secret value: `upstream.auth.<one of SECRET_KEYS>`. */
export function isSecretPath(path: Path): boolean {
  return (
    path.length === 3 &&
    path[0] === 'upstream' &&
    path[1] === 'auth' &&
    (SECRET_KEYS as readonly unknown[]).includes(path[2])
  );
}

/**
 * Returns true when a value at `path` must not be quoted in a message: anything at or below
 * `upstream.auth`, where a misplaced or mistyped value may well be a credential.
 */
export function isSensitivePath(path: Path): boolean {
  return path.length >= 2 && path[0] === 'upstream' && path[1] === 'auth';
}
