/**
 * `<key>_file` secrets: `upstream.auth.bk_app_secret_file: /run/secrets/x` reads the secret from a
 * file (relative paths against the config file's directory), trailing whitespace trimmed. The
 * files read are returned, so the exporter can reload when one changes (secretFileWatcher.ts).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import { isPlainObject, setOwn, type Path, type PathProblem } from './paths';
import { SECRET_KEYS } from './secrets';

/** A secret file larger than this is a mistake (a wrong path), not a secret. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Stands in for a secret whose file could not be read, so that later checks (e.g. "a user identity
 * is required") do not report the same mistake again. Never reaches a loaded config: the problem
 * recorded alongside it makes loading fail.
 */
const UNRESOLVED = '<unresolved secret file>';

/** Reads a file as text; replaceable in tests. */
export type ReadSecretFile = (file: string) => string;

function readRegularFile(file: string): string {
  const st = fs.statSync(file);
  if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'ENOTREG' });
  if (st.size > MAX_SECRET_FILE_BYTES) throw Object.assign(new Error('too large'), { code: 'E2BIG' });
  return fs.readFileSync(file, 'utf8');
}

/** Why a file could not be read, in words (from the error code; never the file's content). */
export function describeReadError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTREG':
      return 'not a regular file';
    case 'E2BIG':
      return `larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB, so not a secret file`;
    case 'ENOTDIR':
      return 'a parent of it is not a directory';
    default:
      return typeof code === 'string' ? code : 'read error';
  }
}

/**
 * Returns a copy of the config in which every `upstream.auth.<secret>_file` is replaced by
 * `<secret>` holding the file's content, and the problems found: both forms given, a file that
 * cannot be read, an empty file. Messages name the key and the file, never the content.
 * `skip(path)` tells which values already have a reported problem (left as they are).
 */
export function resolveFileSecrets(
  root: unknown,
  baseDir: string,
  opts: { skip?: (p: Path) => boolean; readFile?: ReadSecretFile } = {},
): { value: unknown; problems: PathProblem[]; files: string[] } {
  const problems: PathProblem[] = [];
  const files: string[] = [];
  if (!isPlainObject(root) || !isPlainObject(root.upstream) || !isPlainObject(root.upstream.auth)) {
    return { value: root, problems, files };
  }
  const readFile = opts.readFile ?? readRegularFile;
  const auth: Record<string, unknown> = { ...root.upstream.auth };

  for (const key of SECRET_KEYS) {
    const fileKey = `${key}_file`;
    if (!Object.prototype.hasOwnProperty.call(auth, fileKey)) continue;
    const keyPath: Path = ['upstream', 'auth', fileKey];
    const given = auth[fileKey];
    delete auth[fileKey];
    if (Object.prototype.hasOwnProperty.call(auth, key)) {
      problems.push({ path: keyPath, message: `both ${key} and ${fileKey} are set; give only one of them` });
      continue;
    }
    setOwn(auth, key, UNRESOLVED);
    if (opts.skip?.(keyPath)) continue;
    if (typeof given !== 'string' || given === '') {
      problems.push({
        path: keyPath,
        message: `expected the path of a file holding ${key}, got ${given === '' ? 'an empty string' : given === null ? 'an empty value' : `a ${Array.isArray(given) ? 'list' : typeof given}`}`,
      });
      continue;
    }
    const resolved = path.resolve(baseDir, given);
    files.push(resolved);
    const shown = path.isAbsolute(given) ? JSON.stringify(given) : `${JSON.stringify(given)} (${resolved})`;
    let content: string;
    try {
      content = readFile(resolved);
    } catch (err) {
      problems.push({ path: keyPath, message: `cannot read secret file ${shown}: ${describeReadError(err)}` });
      continue;
    }
    const secret = content.replace(/^\uFEFF/, '').trimEnd();
    if (secret === '') {
      problems.push({ path: keyPath, message: `secret file ${shown} is empty` });
    } else if (/[\r\n]/.test(secret)) {
      problems.push({ path: keyPath, message: `secret file ${shown} holds several lines; expected the secret alone` });
    } else {
      setOwn(auth, key, secret);
    }
  }

  return { value: { ...root, upstream: { ...root.upstream, auth } }, problems, files };
}
