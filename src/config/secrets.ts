/** Which config keys hold secrets, so that no message ever repeats their values. */

import { SECRET_KEYS } from '../authFields';
import type { Path } from './paths';

export { IDENTITY_KEYS, SECRET_KEYS, type SecretKey } from '../authFields';

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
