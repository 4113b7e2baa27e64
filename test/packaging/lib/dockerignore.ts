/**
 * .dockerignore matching as Docker does it, by @balena/dockerignore (a port of moby's rules:
 * patterns in order, the last one that matches wins, `!` re-includes, a pattern that matches a
 * folder matches everything under it).
 */

import dockerignore, { type Ignore } from '@balena/dockerignore';

/** Reads a .dockerignore file; `.ignores(path)` then says whether a context path stays out. */
export function parseDockerignore(text: string): Ignore {
  // Docker on Linux matches case-sensitively; the package's default (like .gitignore's) does not.
  return dockerignore({ ignorecase: false }).add(text);
}
