/** Types of scripts/package-smart.js (plain CommonJS, runs without a build). */
export interface AllowedPath {
  /** File or folder, relative to the repository root. */
  path: string;
  /** May be absent (otherwise packaging fails without it). */
  optional?: boolean;
}
/** What goes into the package. */
export const ALLOWLIST: readonly AllowedPath[];
/** The entries' mtime when $SOURCE_DATE_EPOCH is not set (npm pack's 1985-10-26T08:15:00Z). */
export const DEFAULT_MTIME: number;
/** The package in memory: its file name, its bytes, and its entry names in archive order (folders end in "/"). */
export function buildSmartPackage(root?: string, env?: NodeJS.ProcessEnv): { fileName: string; bytes: Buffer; names: string[] };
/** Writes the package into `outDir` (default dist-smart/) and returns its path. */
export function writeSmartPackage(outDir?: string, root?: string, env?: NodeJS.ProcessEnv): string;
