/** Types of scripts/test-tools.js (plain CommonJS, run by npm's pretest before anything is built). */
export interface ToolSpec {
  /** The Debian package that ships the tool. */
  pkg: string;
  /** The tool's path inside the package. */
  file: string;
  /** The variable that overrides where the tool is. */
  env: string;
  /** Other names the tool may have on PATH. */
  aliases: string[];
}
export type ToolName = 'prometheus' | 'promtool' | 'alertmanager' | 'amtool';
export const TOOLS: Record<ToolName, ToolSpec>;
/** The browser the browser tests drive: installed with apt-get as root where missing. */
export const BROWSER: { name: 'chromium'; pkg: string; env: string; systemPath: string };
/** Every tool the tests need: the Prometheus ones and the browser. */
export type TestToolName = ToolName | 'chromium';
/** The project-local tools folder: `$BKPAAS_TEST_TOOLS_DIR`, else `<repo>/.tools`. */
export function toolsDir(env?: NodeJS.ProcessEnv): string;
/**
 * The tool's absolute path (override variable, tools folder, PATH; for chromium `$CHROMIUM`, the
 * tools folder, /usr/bin/chromium, PATH), or undefined.
 */
export function findTool(name: TestToolName, env?: NodeJS.ProcessEnv): string | undefined;
/** Finds every tool, provisioning the missing ones; throws ProvisionError when it cannot. */
export function ensureTools(env?: NodeJS.ProcessEnv, log?: (line: string) => void): Record<TestToolName, string>;
export class ProvisionError extends Error {}
