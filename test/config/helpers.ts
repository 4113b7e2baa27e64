import * as path from 'node:path';

import { ConfigError } from '../../src/config/errors';
import type { ConfigProblem } from '../../src/config/types';

/** Fixture directory of the config tests. */
export const TESTDATA = path.join(__dirname, 'testdata');

/** Secret values the fixtures use; none may ever appear in a message. */
export const SECRET_MARKERS = ['TOPSECRET', 'ENVSECRET', 'FILESECRET', '8675309123456'];

/** The environment the fixtures are loaded with. */
export const TEST_ENV: NodeJS.ProcessEnv = Object.freeze({
  BK_APP_SECRET: 'ENVSECRET-app-secret',
  BK_ACCESS_TOKEN: 'ENVSECRET-access-token',
  EMPTY: '',
});

/** Returns the path of a fixture. */
export function fixture(name: string): string {
  return path.join(TESTDATA, name);
}

/** Runs `fn`, expects it to throw a ConfigError, and returns that error. */
export function expectConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** Returns the problems of a config that must fail to load. */
export function problemsOf(fn: () => unknown): ConfigProblem[] {
  return expectConfigError(fn).problems;
}
